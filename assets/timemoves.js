/* Time moves in the browser (components/timemoves.py says what a figure declares).
 * move(t, fig1, fig2, …) returns each figure with its declared parts at t, as new objects for what
 * changes only (plotly then redraws those parts), or no_update where the figure is already at t. */
(function () {
  const NO = () => window.dash_clientside.no_update;
  /* A packed table (assets/arrays.js) as {flat, cols, rows}. */
  function unpack(a) {
    if (!window.DTL_arrays.isPacked(a)) return a;
    const flat = window.DTL_arrays.typed(a), shape = window.DTL_arrays.shape(a);
    const cols = shape.length === 2 ? shape[1] : flat.length;
    return { flat, cols, rows: flat.length / Math.max(cols, 1) };
  }

  function nearestIndex(logTimes, t) {
    const lt = Math.log(t);
    let best = 0;
    for (let k = 1; k < logTimes.length; k++) {
      if (Math.abs(logTimes[k] - lt) < Math.abs(logTimes[best] - lt)) best = k;
    }
    return best;
  }

  function fmt3(t) { return String(Number(t.toPrecision(3))); }

  function same(a, b) {
    if (a === b) return true;
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }

  function current(trace, path) {
    return path.reduce((obj, key) => (obj === undefined || obj === null ? undefined : obj[key]), trace);
  }

  /* A new trace object only where the value changes: plotly redraws the traces whose object changed. */
  function setProp(data, i, prop, value) {
    if (!data[i] || same(current(data[i], prop.split(".")), value)) return;
    const trace = Object.assign({}, data[i]);
    const path = prop.split(".");
    let obj = trace;
    for (let k = 0; k < path.length - 1; k++) {
      obj[path[k]] = Object.assign({}, obj[path[k]]);
      obj = obj[path[k]];
    }
    obj[path[path.length - 1]] = value;
    data[i] = trace;
  }

  /* clusters_at: union of the merges with τ ≤ t; groups numbered in the order of their first member. */
  function groups(merges, n, t) {
    const parent = Array.from({ length: n }, (_, j) => j);
    const find = (j) => { while (parent[j] !== j) { parent[j] = parent[parent[j]]; j = parent[j]; } return j; };
    for (const [tau, a, b] of merges) if (tau <= t) parent[find(b)] = find(a);
    const number = new Map();
    return parent.map((_, j) => {
      const root = find(j);
      if (!number.has(root)) number.set(root, number.size);
      return number.get(root);
    });
  }

  const MOVERS = {
    constant(m, t, data) {
      for (const i of m.traces) {
        const old = data[i] && data[i][m.prop];
        const n = window.DTL_arrays.isPacked(old) ? unpack(old).flat.length : (old || []).length;
        setProp(data, i, m.prop, new Array(n).fill(t));
      }
    },
    nearest(m, t, data) {
      const times = unpack(m.log_times).flat, table = unpack(m.values);
      const k = nearestIndex(times, t);
      setProp(data, m.trace, m.prop, Array.from(table.flat.subarray(k * table.cols, (k + 1) * table.cols)));
    },
    merging(m, t, data) {
      const g = groups(m.merges, m.count, t);
      const color = (j) => m.palette[g[j] % m.palette.length];
      if (m.points) setProp(data, m.traces[0], m.prop, g.map((_, j) => color(j)));
      else m.traces.forEach((i, j) => setProp(data, i, m.prop, color(j)));
    },
    links(m, t, data) {
      m.traces.forEach((i, j) => {
        const style = m.heights[j] <= t ? m.on : m.off;
        const line = data[i].line || {};
        if (Object.keys(style).some((k) => line[k] !== style[k])) setProp(data, i, "line", Object.assign({}, line, style));
      });
    },
    title(m, t, data, layout) {
      let label = "";
      if (m.labels.length) label = m.labels[m.breaks.filter((b) => b <= t).length];
      const text = m.text.replace("{t}", fmt3(t)).replace("{label}", label);
      const old = layout.title;
      layout.title = Object.assign({}, typeof old === "object" ? old : {}, { text });
    },
  };

  function lineX(spec, t) {
    if (!spec.map) return t;
    const lt = unpack(spec.map.log_times).flat, xs = unpack(spec.map.x).flat;
    const v = Math.log(t);
    if (v <= lt[0]) return xs[0];
    for (let k = 1; k < lt.length; k++) {
      if (v <= lt[k]) return xs[k - 1] + (xs[k] - xs[k - 1]) * (v - lt[k - 1]) / (lt[k] - lt[k - 1]);
    }
    return xs[xs.length - 1];
  }

  function moved(fig, t) {
    const spec = fig && fig.layout && fig.layout.meta && fig.layout.meta.time;
    if (!spec || spec.t === t) return NO();
    const layout = Object.assign({}, fig.layout, { meta: Object.assign({}, fig.layout.meta, { time: Object.assign({}, spec, { t }) }) });
    const x = lineX(spec, t);
    if (layout.shapes) {
      layout.shapes = layout.shapes.map((s) => (s.name === "now" ? Object.assign({}, s, { x0: x, x1: x })
        : s.name === "now-y" ? Object.assign({}, s, { y0: t, y1: t }) : s));
    }
    const data = (fig.data || []).slice();
    for (const m of spec.movers || []) MOVERS[m.kind](m, t, data, layout);
    return Object.assign({}, fig, { data, layout });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    time: {
      move: function (t, ...figures) {
        const value = Number(t);
        const out = figures.map((fig) => (Number.isFinite(value) && value > 0 ? moved(fig, value) : NO()));
        return out.length === 1 ? out[0] : out;
      },
      moved,
    },
  });
})();
