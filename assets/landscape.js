/* Landscape page: while the time slider is dragged, F̃ is drawn from the precomputed stack
 * (pages/landscape/_model.py stack_view: 8-bit frames at 41 log-spaced times), interpolated linearly
 * in log t between the two frames around t; fixed points, arrows and the probe belong to the exact
 * landscape and are hidden until the server sends it for the released time. */
(function () {
  const NO = () => window.dash_clientside.no_update;
  const cache = new WeakMap();
  const watching = new Set(), reported = new WeakSet();
  let reaching = null;
  const reached = new WeakSet();

  /* `seenId` set to true the first time this element of `graphId` shows in the viewport. */
  function reportSeen(graphId, seenId) {
    const el = document.getElementById(graphId);
    if (!el || reported.has(el)) return;
    const r = el.getBoundingClientRect();
    if (r.height > 0 && r.top < window.innerHeight && r.bottom > 0) {
      reported.add(el);
      window.dash_clientside.set_props(seenId, { data: true });
    }
  }

  function decoded(stack) {
    if (!cache.has(stack)) {
      const out = {};
      for (const [k, v] of Object.entries(stack)) out[k] = window.DTL_arrays.isPacked(v) ? window.DTL_arrays.typed(v) : v;
      cache.set(stack, out);
    }
    return cache.get(stack);
  }

  /* Values at t from per-frame quantized levels: linear in log t between the bracketing frames. */
  function frameAt(logTimes, low, high, levels, size, t) {
    const lt = Math.log(t);
    let k = 0;
    while (k < logTimes.length - 2 && logTimes[k + 1] < lt) k++;
    const w = Math.min(1, Math.max(0, (lt - logTimes[k]) / (logTimes[k + 1] - logTimes[k])));
    const out = new Float32Array(size);
    const s0 = (high[k] - low[k]) / 255, s1 = (high[k + 1] - low[k + 1]) / 255;
    for (let i = 0; i < size; i++) {
      out[i] = (1 - w) * (low[k] + s0 * levels[k * size + i]) + w * (low[k + 1] + s1 * levels[(k + 1) * size + i]);
    }
    return out;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    landscape: {
      preview: function (t, stack, tset, fig) {
        t = Number(t);
        if (!stack || !fig || !fig.data || !(t > 0) || Math.abs(Math.log(t / Number(tset))) < 1e-9) return [NO(), NO()];
        const s = decoded(stack);
        const axis = Array.from(s.axis);
        const side = axis.length, size = s.d === 1 ? side : side * side;
        const f = frameAt(s.log_times, s.low, s.high, s.levels, size, t);
        const rows = (v) => Array.from({ length: side }, (_, i) => Array.from(v.subarray(i * side, (i + 1) * side)));
        const data = fig.data.map((trace) => {
          if (trace.name === "F̃") {
            return s.d === 1 ? Object.assign({}, trace, { x: axis, y: Array.from(f) })
              : Object.assign({}, trace, { x: axis, y: axis, z: rows(f) });
          }
          if (trace.name === "score" && s.score_levels) {
            const g = frameAt(s.log_times, s.score_low, s.score_high, s.score_levels, size, t);
            return Object.assign({}, trace, { x: axis, y: Array.from(g) });
          }
          if (trace.name === "data points") return trace;
          return Object.assign({}, trace, { visible: false });
        });
        const text = `t ≈ ${Number(t.toPrecision(3))}  (preview; release for the exact landscape)`;
        const layout = Object.assign({}, fig.layout, { title: Object.assign({}, fig.layout.title, { text }),
          annotations: (fig.layout.annotations || []).filter((a) => !a.showarrow) });
        // the status line speaks of the preview too (it kept the released time's counts, issue 28)
        const status = `Preview at t ≈ ${Number(t.toPrecision(3))}: F̃ from precomputed frames. Release the slider `
          + "for the exact landscape, its fixed points and their counts.";
        return [Object.assign({}, fig, { data, layout }), status];
      },
      /* A figure below the fold is asked for once it scrolls into view: `seen` becomes true then (a page open
       * does not pay for what nobody looks at; pages/landscape/page.py WHEN_WANTED).  Watched from
       * when the page's main figure is drawn (before, the page is short and everything is "in view"), on every
       * scroll and resize; React may replace the element, so each element is reported once. */
      watchSeen: function (mainFigure, graphId, seenId) {
        if (!mainFigure) return NO();
        const report = () => reportSeen(graphId, seenId);
        if (!watching.has(graphId)) {
          watching.add(graphId);
          document.addEventListener("scroll", report, { capture: true, passive: true });
          window.addEventListener("resize", report, { passive: true });
        }
        report();
        return NO();
      },
      /* `wantedId` set to true when a pointer goes down on the control `controlId` while this page's figure
       * `graphId` is shown: the time slider asks for the preview's frames before the drag's first move
       * (pages/landscape/page.py WHEN_WANTED), once per page shown.  One listener for the session,
       * reading the ids of the page shown last. */
      watchReach: function (mainFigure, graphId, controlId, wantedId) {
        if (!mainFigure) return NO();
        if (reaching === null) {
          document.addEventListener("pointerdown", (e) => {
            const control = document.getElementById(reaching.controlId),
              graph = document.getElementById(reaching.graphId);
            if (graph && !reached.has(graph) && control && control.contains(e.target)) {
              reached.add(graph);                       // once per page shown: the store stays true
              window.dash_clientside.set_props(reaching.wantedId, { data: true });
            }
          }, { capture: true, passive: true });
        }
        reaching = { graphId, controlId, wantedId };
        return NO();
      },
    },
  });
})();
