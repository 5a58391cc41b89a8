/* Teaching toolbar (issue 9): lecture mode and theme, copy link, PNG/SVG/CSV export, keyboard.
 * Lecture mode and the theme are set by the toolbar buttons or by ?lecture=1 / ?theme=dark in the
 * URL, and kept for the browser session (the URL's query is rewritten when a control moves).
 * Figures are restyled after every redraw (plotly_afterplot) to the theme's colors and sizes
 * (components/theme.py, read from the store lab-figure-theme); titles wider than their figure wrap. */
(function () {
  const KEY = "dtlab-teaching";
  const saved = JSON.parse(sessionStorage.getItem(KEY) || "{}");
  const mode = { lecture: !!saved.lecture, dark: !!saved.dark, clicks: { lecture: 0, theme: 0 } };
  window.DTL_teaching = mode;

  function save() { sessionStorage.setItem(KEY, JSON.stringify({ lecture: mode.lecture, dark: mode.dark })); }

  function graphs() { return Array.from(document.querySelectorAll(".page .js-plotly-plot")); }

  /* The page's main figure (lecture mode gives it the screen): its first, thumbnails aside. */
  function mainGraph() { return graphs().find((gd) => !gd.closest(".card")); }

  const INK = ["#111", "#111111", "#000", "#000000", "black"];
  const LIGHT = { fg: "#222222", bg: "#ffffff", grid: "#eeeeee", zeroline: "#444444", ink: "#111111" };

  function themeColors() {
    const theme = mode.theme || {};
    return (mode.dark ? theme.dark : theme.light) || LIGHT;
  }

  /* Every cartesian axis of a figure (subplots have xaxis2, yaxis3, …). */
  function axisNames(gd) {
    return Object.keys(gd._fullLayout || gd.layout || {}).filter((k) => /^[xy]axis\d*$/.test(k));
  }

  function get(obj, path) {
    return path.split(/[.[\]]+/).filter(Boolean).reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
  }

  const equal = (u, v) => u === v || (Array.isArray(u) && Array.isArray(v) && u.length === v.length
                                       && u.every((x, i) => x === v[i]));

  /* The value a figure had before we touched it: a value that is not the one we last set came from
   * the server (a new figure, a time move), so it becomes the base again. */
  function based(own, base, key, current) {
    if (!(key in own) || !equal(own[key], current)) base[key] = current;
    return base[key];
  }

  /* Narrower than this per panel (two panels: 600 px in all), a row of panels is laid out as a grid. */
  const NARROW_TWO = 600, NARROW_EACH = 130, CELL_WIDTH = 170, TITLE_PX = 44, AXIS_PX = 72;

  const axisKey = (letter, k) => `${letter}axis${k === 1 ? "" : k}`;

  /* Panels side by side (a 1 × k subplot row) on a figure too narrow for them are laid out in a grid of
   * columns CELL_WIDTH px wide or more (two panels: one above the other), each with its panel title at its
   * top left, wrapped in two lines if it is wider than the figure, and the colorbar beside the grid, not over
   * it; wider again, they go back.  Returns the factor the figure's height grows by (1: as drawn). */
  function gridPanels(gd, own, base, want) {
    const full = gd._fullLayout || {};
    let k = 0;
    while (full[axisKey("x", k + 1)] && full[axisKey("y", k + 1)]) k += 1;
    if (k < 2 || full[axisKey("x", k + 1)] || full[axisKey("y", k + 1)]) return 1;
    const xs = [], ys = [];
    for (let i = 1; i <= k; i++) {
      xs.push(based(own, base, axisKey("x", i) + ".domain", get(gd.layout, axisKey("x", i) + ".domain")));
      ys.push(based(own, base, axisKey("y", i) + ".domain", get(gd.layout, axisKey("y", i) + ".domain")));
    }
    if (xs.some((d) => !d) || ys.some((d) => !d)) return 1;
    const row = xs.every((d, i) => i === 0 || xs[i - 1][1] <= d[0] + 1e-9)
      && ys.every((d) => Math.abs(d[0] - ys[0][0]) < 1e-6 && Math.abs(d[1] - ys[0][1]) < 1e-6);
    const narrow = k === 2 ? gd.clientWidth < NARROW_TWO : gd.clientWidth < NARROW_EACH * k;
    const cols = row && narrow ? Math.max(1, k === 2 ? 1 : Math.floor(gd.clientWidth / CELL_WIDTH)) : k;
    const rows = Math.ceil(k / cols);
    const scaled = (gd.data || []).some((t) => t.showscale !== false && ["heatmap", "contour"].includes(t.type)
                                         && (t.showscale === true || t.coloraxis === undefined));
    const right = rows > 1 && scaled ? 0.8 : 1;
    const grow = rows > 1 ? (k === 2 ? 1.8 : rows * 0.85) : 1;
    const margin = full.margin || {};       // paper coordinates span the height between the margins
    const height = (based(own, base, "height", get(gd.layout, "height")) || 400) * grow - (margin.t || 0) - (margin.b || 0);
    // each row but the last leaves room under it for its tick labels and axis title
    const titleRoom = rows > 1 ? TITLE_PX / height : 0, gapX = 0.08, gapY = rows > 1 ? AXIS_PX / height : 0;
    const cell = (i) => {
      const c = i % cols, r = Math.floor(i / cols), w = (right - gapX * (cols - 1)) / cols;
      const top = 1 - r / rows, bottom = 1 - (r + 1) / rows;
      return { x: [c * (w + gapX), c * (w + gapX) + w], y: [bottom + (r < rows - 1 ? gapY : 0), top - titleRoom] };
    };
    for (let i = 0; i < k; i++) {
      want[axisKey("x", i + 1) + ".domain"] = rows > 1 ? cell(i).x : xs[i];
      want[axisKey("y", i + 1) + ".domain"] = rows > 1 ? cell(i).y : ys[i];
      for (const letter of "xy") {            // a small cell: a few upright tick labels (they garbled)
        for (const [prop, value] of [["nticks", 4], ["tickangle", 0]]) {
          const key = `${axisKey(letter, i + 1)}.${prop}`;
          const b = based(own, base, key, get(gd.layout, key));
          want[key] = rows > 1 && cols > 1 ? value : b;
        }
      }
    }
    (gd.layout.annotations || []).forEach((a, i) => {     // panel titles follow their panel
      const keys = ["x", "y", "xanchor", "text"].map((p) => `annotations[${i}].${p}`);
      const [bx, by, bxa, btext] = keys.map((key, j) => based(own, base, key, [a.x, a.y, a.xanchor, a.text][j]));
      const panel = a.xref === "paper" && a.yref === "paper" && a.yanchor === "bottom" && Math.abs(by - ys[0][1]) < 1e-6;
      const at = panel ? xs.findIndex((d) => bx >= d[0] - 1e-6 && bx <= d[1] + 1e-6) : -1;
      const moved = rows > 1 && at >= 0;
      const size = (a.font && a.font.size) || (full.font && full.font.size) || 13;
      const long = moved && typeof btext === "string" && !btext.includes("<br>")
        && btext.length * size * 0.55 > 0.95 * gd.clientWidth * (cell(at).x[1] - cell(at).x[0] + (cols === 1 ? 0.2 : 0));
      const mid = long ? btext.lastIndexOf(" ", Math.floor(btext.length / 2)) : -1;
      want[keys[0]] = moved ? cell(at).x[0] : bx;
      want[keys[1]] = moved ? cell(at).y[1] : by;
      want[keys[2]] = moved ? "left" : bxa;
      want[keys[3]] = long && mid > 0 ? btext.slice(0, mid) + "<br>" + btext.slice(mid + 1) : btext;
    });
    return grow;
  }

  /* Restyle a figure to the modes, touching only what differs (idempotent: every redraw calls it). */
  function style(gd) {
    if (!gd.layout || !gd.data) return;
    const own = gd._dtlOwn || (gd._dtlOwn = {}), base = gd._dtlBase || (gd._dtlBase = {});
    const big = mode.lecture, dark = mode.dark, c = themeColors();
    const want = {};
    const lecture = (mode.theme && mode.theme.lecture) || { font: 22, line: 4 };
    const themed = { "font.color": c.fg, paper_bgcolor: c.bg, plot_bgcolor: c.bg, "legend.bgcolor": "rgba(0,0,0,0)" };
    for (const ax of axisNames(gd)) {
      themed[ax + ".gridcolor"] = c.grid;
      themed[ax + ".zerolinecolor"] = c.zeroline;
      themed[ax + ".linecolor"] = c.zeroline;
    }
    const main = big && mainGraph() === gd;
    // lecture sizes: tick labels and axis titles push the margins out rather than fall off the figure
    for (const ax of axisNames(gd)) {
      const key = ax + ".automargin";
      const b = based(own, base, key, get(gd.layout, key));
      want[key] = big ? true : b;
    }
    // lines drawn in ink (the "now" line) turn light on dark
    const inked = (gd.layout.shapes || []).map((_, i) => `shapes[${i}].line.color`);
    for (const key of inked) {
      const b = based(own, base, key, get(gd.layout, key));
      want[key] = dark && INK.includes(b) ? c.ink : b;
    }
    // panel titles and notes (annotations carry their own font size): scaled with the figure's font
    const baseFont = based(own, base, "font.size", get(gd.layout, "font.size")) || 13;
    (gd.layout.annotations || []).forEach((_, i) => {
      const key = `annotations[${i}].font.size`;
      const b = based(own, base, key, get(gd.layout, key));
      want[key] = big ? Math.round((b || baseFont) * lecture.font / baseFont) : b;
    });
    // a legend under the plot goes to the figure's bottom edge in lecture mode, below the (larger)
    // tick labels and axis title, which it covered when it stayed at its paper position
    const legendY = based(own, base, "legend.y", get(gd.layout, "legend.y"));
    const below = get(gd.layout, "legend.orientation") === "h" && legendY < 0;
    const moved = { "legend.yref": "container", "legend.y": 0, "legend.yanchor": "bottom",
                    "margin.b": Math.round(4.2 * lecture.font + 20) };
    for (const key of Object.keys(moved)) {
      const b = key === "legend.y" ? legendY : based(own, base, key, get(gd.layout, key));
      want[key] = big && below ? (key === "margin.b" ? Math.max(b || 45, moved[key]) : moved[key]) : b;
    }
    // lecture mode: a title above panel titles needs room for both at their larger sizes
    const panels = (gd.layout.annotations || []).some((a) => a.yref === "paper" && a.yanchor === "bottom");
    const titled = !!(gd.layout.title && (gd.layout.title.text || typeof gd.layout.title === "string"));
    const top = based(own, base, "margin.t", get(gd.layout, "margin.t"));
    want["margin.t"] = big && panels && titled ? Math.max(top || 50, Math.round(lecture.font * 4.2 + 16)) : top;
    const grow = gridPanels(gd, own, base, want);
    for (const key of [...Object.keys(themed), "font.size", "height"]) {
      const b = based(own, base, key, get(gd.layout, key));
      want[key] = key === "font.size" ? (big ? lecture.font : b)
        : key === "height" ? (main ? stageHeight(gd)
                              : grow !== 1 && b ? Math.round(b * grow) : b)
        : dark ? themed[key] : b;
    }
    const update = {};
    for (const [key, value] of Object.entries(want)) {
      if (!equal(get(gd.layout, key), value)) update[key] = value === undefined ? null : value;
      own[key] = value;
    }
    // thick lines in lecture mode; markers drawn in ink (stable fixed points) turn light on dark
    const traces = { "line.width": [[], []], "marker.color": [[], []] };
    gd.data.forEach((t, i) => {
      const ownT = (gd._dtlOwnT || (gd._dtlOwnT = []))[i] || (gd._dtlOwnT[i] = {});
      const baseT = (gd._dtlBaseT || (gd._dtlBaseT = []))[i] || (gd._dtlBaseT[i] = {});
      const lined = (t.type === "scatter" || t.type === "scattergl") && t.mode !== "markers";
      for (const attr of Object.keys(traces)) {
        const current = get(t, attr);
        const b = based(ownT, baseT, attr, current);
        let value = b;
        if (attr === "line.width" && big && lined && b !== 0) value = Math.max(lecture.line, b || 2);  // a band edge (0) stays unseen
        if (attr === "marker.color" && dark && INK.includes(b)) value = c.ink;
        ownT[attr] = value;
        if (current !== value) { traces[attr][0].push(i); traces[attr][1].push(value === undefined ? null : value); }
      }
    });
    if (Object.keys(update).length) Plotly.relayout(gd, update);
    for (const [attr, [idx, values]] of Object.entries(traces)) {
      if (idx.length) Plotly.restyle(gd, { [attr]: values }, idx);
    }
  }

  /* Lecture mode's main figure reaches from where it starts to the screen's bottom edge (the stage bar, the
   * caption and any notice above it), so all of it, axes included, is on the screen at once. */
  const STAGE_GAP = 12, STAGE_MIN = 260;
  function stageHeight(gd) {
    const top = gd.getBoundingClientRect().top + window.scrollY;
    return Math.max(STAGE_MIN, Math.round(window.innerHeight - top - STAGE_GAP));
  }

  /* The main figure's containers take the whole width in lecture mode (a half-width panel beside an empty
   * one, a side panel): they are marked, and CSS does the rest (assets/lab.css, .stage-path). */
  function markStage() {
    const gd = mode.lecture ? mainGraph() : null;
    const path = [];
    for (let el = gd && gd.parentElement; el && !el.classList.contains("page"); el = el.parentElement) path.push(el);
    let changed = false;
    for (const el of document.querySelectorAll(".stage-path")) {
      if (!path.includes(el)) { el.classList.remove("stage-path"); changed = true; }
    }
    for (const el of path) if (!el.classList.contains("stage-path")) { el.classList.add("stage-path"); changed = true; }
    const title = document.querySelector(".page h1");
    const bar = document.getElementById("stage-title");
    if (bar && title && bar.textContent !== title.textContent) bar.textContent = title.textContent;
    if (changed && gd && gd.data && window.Plotly) Plotly.Plots.resize(gd);
    return gd;
  }

  /* Every figure restyles and refits its title after each of its draws; a figure seen for the first
   * time (it may have drawn before it was hooked) is done once now. */
  function hook(gd) {
    if (gd._dtlHooked || !gd.on) return false;
    gd._dtlHooked = true;
    gd.on("plotly_afterplot", () => { style(gd); fitTitle(gd); });
    return true;
  }

  function fit(gd) { if (gd.data) { style(gd); fitTitle(gd); } }

  /* A mode changed: every figure. */
  function apply() {
    document.body.classList.toggle("lecture", mode.lecture);
    document.body.classList.toggle("dark", mode.dark);
    document.body.classList.toggle("embed", !!mode.embed);
    if (!mode.lecture) document.body.classList.remove("stage-controls");
    markStage();
    for (const gd of graphs()) { hook(gd); fit(gd); }
  }
  // the stage's height is set, which turns dcc.Graph's own resizing off (plotly then keeps the width it drew at):
  // its width follows its box here
  window.addEventListener("resize", () => {
    if (!mode.lecture) return;
    const gd = markStage();
    if (!gd) return;
    fit(gd);
    if (gd.data && gd.layout && window.Plotly && Math.abs((gd.layout.width || 0) - gd.clientWidth) > 2
        && gd.layout.width !== undefined) Plotly.relayout(gd, { width: gd.clientWidth });
  });
  /* The step of ←/→ outside the slider: mode.theme.key_step_decades of log₁₀ t, on the slider's grid. */
  function stepTime(direction, decades) {
    const handle = document.querySelector("#ctl-logt [role='slider']");
    if (!handle || !window.dash_clientside.set_props) return;
    const now = Number(handle.getAttribute("aria-valuenow"));
    const low = Number(handle.getAttribute("aria-valuemin")), high = Number(handle.getAttribute("aria-valuemax"));
    const step = decades || (mode.theme && mode.theme.key_step_decades) || 0.2;
    if (!Number.isFinite(now)) return;
    const next = Math.min(high, Math.max(low, Math.round((now + direction * step) * 100) / 100));
    window.dash_clientside.set_props("ctl-logt", { value: next });
  }
  /* A title wider than its figure (a phone, a half-width panel, lecture sizes) is wrapped at spaces
   * outside tags, and the top margin grows by its extra lines.  The server's text is kept in
   * gd._dtlTitle, so a time move's new title is wrapped afresh. */
  const TAG = /<\/?[a-zA-Z][^>]*>/g;      // plotly's markup (<sub>, <b>, <br>); a lone "<" or ">" is text
  const visible = (l) => l.replace(TAG, "").length;

  function wrapped(text, perLine) {
    const words = [];
    let word = "", k = 0;
    while (k < text.length) {
      TAG.lastIndex = k;
      const m = text[k] === "<" ? TAG.exec(text) : null;
      if (m && m.index === k) { word += m[0]; k += m[0].length; continue; }
      if (text[k] === " ") { words.push(word); word = ""; } else word += text[k];
      k += 1;
    }
    words.push(word);
    const lines = [""];
    for (const w of words) {
      const cur = lines[lines.length - 1];
      if (cur && visible(cur) + 1 + visible(w) > perLine) lines.push(w);
      else lines[lines.length - 1] = cur ? cur + " " + w : w;
    }
    return lines;
  }

  function fitTitle(gd) {
    const layout = gd.layout || {};
    const title = layout.title;
    const text = typeof title === "string" ? title : title && title.text;
    const el = gd.querySelector(".g-gtitle .gtitle");
    if (!text || !el) return;
    const memo = gd._dtlTitle || {};
    const raw = text === memo.wrapped ? memo.raw : text;
    const box = gd.getBoundingClientRect(), r = el.getBoundingClientRect();
    const room = box.right - 40 - r.left;     // the vertical modebar stands in the last 40 px
    if (text === raw && r.width <= room) return;
    const top = (layout.margin && layout.margin.t) || 50;
    const placed = title && title.yanchor === "top" && title.yref === "container" && top === memo.setTop;
    if (text === memo.wrapped && r.width <= room && placed) return;     // our wrap fits: keep it
    const charWidth = r.width / Math.max(1, ...text.split(/<br>/i).map(visible));
    const perLine = Math.max(10, Math.floor(0.92 * room / charWidth));
    const rawLines = raw.split(/<br>/i);
    const out = [].concat(...rawLines.map((l) => wrapped(l, perLine))).join("<br>");
    // plotly keeps the figure's layout object, so our margin may come back with a new title: a top
    // margin equal to the one we set is ours, and its base is the one we started from
    const baseTop = top === memo.setTop ? memo.baseTop : top;
    // a few refits per server title at most (a new measurement may wrap differently: no endless relayouts)
    const font = gd._fullLayout && gd._fullLayout.font && gd._fullLayout.font.size;
    const same = memo.raw === raw && memo.width === gd.clientWidth && memo.font === font;
    const tries = same ? (memo.tries || 0) + 1 : 0;
    const size = (gd._fullLayout && gd._fullLayout.title && gd._fullLayout.title.font.size) || 17;
    const extra = out.split("<br>").length - rawLines.length;
    // the wrapped block hangs from the top of the figure, and the margin holds all its lines
    // (plotly hangs a multi-line title by its first baseline: the pad keeps the first line inside)
    const pad = Math.round(size) + 2;
    const setTop = Math.max(baseTop, Math.round((extra + rawLines.length) * size * 1.3 + pad + 8));
    gd._dtlTitle = { raw, wrapped: out, baseTop, setTop, tries, width: gd.clientWidth, font };
    if ((out === text && top === setTop && placed) || tries > 3) return;
    Plotly.relayout(gd, { "title.text": out, "margin.t": setTop, "title.yref": "container", "title.y": 1,
                          "title.yanchor": "top", "title.pad.t": pad });
  }

  /* The modebar's camera: slide size and a file name with the page and parameters (read at click time
   * from the graph's context, so it follows the URL). */
  function configureCamera() {
    for (const gd of graphs()) {
      if (!gd._context) continue;
      const filename = fileName(gd);
      const opts = gd._context.toImageButtonOptions || {};
      if (opts.filename !== filename) {
        const height = Math.round(1920 * gd.clientHeight / Math.max(gd.clientWidth, 1));
        gd._context.toImageButtonOptions = { format: "png", filename, width: 1920, height, scale: 1 };
      }
    }
  }
  // Plotly rewrites many nodes per draw: react once per quarter second, not once per mutation
  // (reading a graph's size forces a layout).
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      configureCamera();
      for (const gd of graphs()) if (hook(gd)) fit(gd);     // only new figures: the clock ticks 60×/s
      if (mode.lecture) {                                    // what sits above the stage may have changed
        const gd = markStage();
        if (gd && gd.data && gd.layout && Math.abs((gd.layout.height || 0) - stageHeight(gd)) > 2) fit(gd);
      }
    }, 250);
  }).observe(document.documentElement, { childList: true, subtree: true });

  function pageName() { return (window.location.pathname.replace(/\//g, "") || "home"); }

  function decoded(text) {
    try { return decodeURIComponent(text); } catch (err) { return text; }   // a hand-typed '%ZZ' is not URI
  }

  function params() {
    return window.location.search.replace(/^\?/, "").split("&").filter((kv) => kv && !kv.startsWith("preset="))
      .map((kv) => decoded(kv).replace(/[^A-Za-z0-9.=_-]/g, "")).join("_");
  }

  function fileName(gd) {
    const host = gd.closest("[id]");
    const id = host && host.id !== gd.id ? host.id : "figure";
    return `dtlab_${pageName()}_${id}${params() ? "_" + params() : ""}`.slice(0, 180);
  }

  /* plotly ≥ 6 sends numpy arrays packed (assets/arrays.js): to plain arrays, a 2-D shape to rows. */
  function unpack(a) {
    const typed = window.DTL_arrays.typed(a);
    if (!typed) return [];
    const flat = Array.from(typed), shape = window.DTL_arrays.shape(a);
    if (shape.length !== 2) return flat;
    const rows = [];
    for (let i = 0; i < shape[0]; i++) rows.push(flat.slice(i * shape[1], (i + 1) * shape[1]));
    return rows;
  }

  function plain(a) {
    if (a === undefined || a === null) return [];
    if (ArrayBuffer.isView(a)) return Array.from(a);
    if (Array.isArray(a)) return a;
    if (window.DTL_arrays.isPacked(a)) return unpack(a);
    return [];
  }

  /* Whether any trace of a figure holds a value to plot. */
  function hasData(gd) {
    return (gd.data || []).some((t) => ["x", "y", "z"].some((k) => plain(t[k]).length > 0));
  }

  function axisTitle(gd, which) {
    const ax = gd.layout[which + "axis"];
    const t = ax && ax.title;
    return (t && (t.text || t)) || which;
  }

  /* Long format: one row per plotted value: trace, name, i, j, x, y, z (heatmaps: z[i][j] at x[j], y[i]). */
  function figureCsv(gd) {
    const lines = [
      `# Diffusion Thermodynamics Lab — page ${pageName()}, figure ${fileName(gd)}`,
      `# parameters: ${window.location.search.replace(/^\?/, "") || "defaults"}`,
      `# units: x is "${axisTitle(gd, "x")}", y is "${axisTitle(gd, "y")}" as on the figure's axes; ` +
        "lengths in the data's units, times in the process's time units",
      "trace,name,i,j,x,y,z",
    ];
    (gd.data || []).forEach((t, k) => {
      const name = `"${String(t.name || t.type).replace(/"/g, "'")}"`;
      const x = plain(t.x), y = plain(t.y);
      if (t.type === "heatmap" || t.type === "contour" || t.type === "surface") {
        const z = plain(t.z).map(plain);
        z.forEach((row, i) => row.forEach((v, j) => lines.push(`${k},${name},${i},${j},${x[j] ?? j},${y[i] ?? i},${v}`)));
      } else {
        const n = Math.max(x.length, y.length);
        for (let i = 0; i < n; i++) lines.push(`${k},${name},${i},,${x[i] ?? ""},${y[i] ?? ""},`);
      }
    });
    return lines.join("\n") + "\n";
  }
  mode.figureCsv = figureCsv;

  function download(text, name, type) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target && ev.target.tagName) || "";
    if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || ev.target.isContentEditable) return;
    if (ev.key === "Escape" && document.body.classList.contains("stage-controls")) {
      document.body.classList.remove("stage-controls");
      return;
    }
    if (ev.key === "Escape" && mode.lecture) { mode.lecture = false; save(); apply(); return; }
    if (ev.key === " " || ev.code === "Space") {
      const anim = window.DTL_particles;
      const button = document.getElementById(anim && anim.playing ? "particles-pause" : "particles-play");
      if (button) { ev.preventDefault(); button.click(); }
      return;
    }
    // a lesson's steps: PageUp/PageDown (a clicker's keys) always, ← / → in lecture mode (components/tour.py)
    const toStep = ev.key === "PageDown" || (mode.lecture && ev.key === "ArrowRight") ? "lesson-next"
      : ev.key === "PageUp" || (mode.lecture && ev.key === "ArrowLeft") ? "lesson-prev" : null;
    if (toStep && document.getElementById("lesson-panel") && !document.getElementById("lesson-panel").hidden) {
      const link = document.getElementById(toStep) || (toStep === "lesson-next" && document.getElementById("lesson-finish"));
      if (link) { ev.preventDefault(); link.click(); }
      return;
    }
    if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") && !(ev.target.getAttribute && ev.target.getAttribute("role") === "slider")) {
      ev.preventDefault();
      stepTime(ev.key === "ArrowRight" ? 1 : -1);
    }
  });

  /* Lecture mode's bar: its buttons do what the keys and the toolbar do. */
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest && ev.target.closest("#stage-bar button");
    if (!button) return;
    if (button.id === "stage-earlier" || button.id === "stage-later") stepTime(button.id === "stage-later" ? 1 : -1);
    else if (button.id === "stage-controls") document.body.classList.toggle("stage-controls");
    else if (button.id === "stage-theme") document.getElementById("theme-toggle").click();
    else if (button.id === "stage-exit") document.getElementById("lecture-toggle").click();
  });

  /* The time box's −/+ step t by a tenth of a decade (Dash's own steppers add ±1 to the number:
   * 0.3 went to 1.3, clamped, and − did nothing below 1). */
  document.addEventListener("click", (ev) => {
    const button = ev.target.closest && ev.target.closest("button.dash-input-stepper[aria-controls='ctl-t']");
    if (!button) return;
    ev.preventDefault();
    ev.stopPropagation();
    stepTime(button.classList.contains("dash-stepper-decrement") ? -1 : 1,
             (mode.theme && mode.theme.box_step_decades) || 0.1);
  }, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    teaching: {
      mode: function (lectureClicks, themeClicks, search, theme) {
        mode.theme = theme || mode.theme;
        const q = new URLSearchParams(search || "");
        if (q.get("lecture") !== null) mode.lecture = q.get("lecture") !== "0";
        if (q.get("theme") !== null) mode.dark = q.get("theme") === "dark";
        if (q.get("embed") !== null) mode.embed = q.get("embed") !== "0";     // a side of /compare: not saved
        if ((lectureClicks || 0) > mode.clicks.lecture) mode.lecture = !mode.lecture;
        if ((themeClicks || 0) > mode.clicks.theme) mode.dark = !mode.dark;
        mode.clicks = { lecture: lectureClicks || 0, theme: themeClicks || 0 };
        if (!mode.embed) save();     // a frame (a side of /compare, a handout's figure) leaves the session's mode be
        setTimeout(apply, 0);
        return [`${mode.lecture ? "lecture" : "desk"} ${mode.dark ? "dark" : "light"}`, mode.dark ? "dark" : "light"];
      },
      stageTime: function (t) {
        const v = Number(t);
        return Number.isFinite(v) ? "t = " + String(Number(v.toPrecision(3))) : "";
      },
      copyLink: function () {
        const link = window.location.href;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(link).catch(() => {});
          return "Link copied: " + link;
        }
        return "Copy this link: " + link;
      },
      exportFigures: function () {
        const which = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        // a figure that is hidden or holds no data (a placeholder: "press Run") is not exported
        const shown = graphs().filter((gd) => gd.getClientRects().length && hasData(gd));
        const skipped = graphs().length - shown.length;
        const format = which.startsWith("export-csv") ? "CSV" : which.startsWith("export-svg") ? "SVG" : "PNG";
        shown.forEach((gd) => {
          const name = fileName(gd);
          if (which.startsWith("export-csv")) {
            download(figureCsv(gd), name + ".csv", "text/csv");
          } else {
            const format = which.startsWith("export-svg") ? "svg" : "png";
            const width = 1920, height = Math.round(1920 * gd.clientHeight / Math.max(gd.clientWidth, 1));
            Plotly.downloadImage(gd, { format, filename: name, width, height, scale: 1 });
          }
        });
        const note = `Exported ${shown.length} figure${shown.length === 1 ? "" : "s"} as ${format}`
          + (skipped ? ` (${skipped} without data skipped: run them first).` : ".");
        return [String(Date.now()), note];
      },
    },
  });
})();
