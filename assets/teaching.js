/* Teaching toolbar (issue 9): lecture mode and theme, copy link, PNG/SVG/CSV export, keyboard.
 * Lecture mode and the theme are set by the toolbar buttons or by ?lecture=1 / ?theme=dark in the
 * URL, and kept for the browser session (the URL's query is rewritten when a control moves).
 * Figures are restyled after every redraw while a mode is on (plotly_afterplot). */
(function () {
  const KEY = "dtlab-teaching";
  const saved = JSON.parse(sessionStorage.getItem(KEY) || "{}");
  const mode = { lecture: !!saved.lecture, dark: !!saved.dark, clicks: { lecture: 0, theme: 0 } };
  window.DTL_teaching = mode;

  function save() { sessionStorage.setItem(KEY, JSON.stringify({ lecture: mode.lecture, dark: mode.dark })); }

  function graphs() { return Array.from(document.querySelectorAll(".page .js-plotly-plot")); }

  function style(gd) {
    // plotly's own look when both modes are off; the figure's layout is restored from _dtlBase
    const base = gd._dtlBase || (gd._dtlBase = {
      font: (gd.layout.font && gd.layout.font.size) || 13, height: gd.layout.height || null,
      widths: (gd.data || []).map((t) => (t.line && t.line.width) || null) });
    const big = mode.lecture, dark = mode.dark;
    const sig = `${big}/${dark}/${gd.data.length}`;
    if (gd._dtlSig === sig) return;
    gd._dtlSig = sig;
    const fg = dark ? "#e8e8e8" : "#222", bg = dark ? "#111418" : "white", grid = dark ? "#333" : "#eee";
    const main = graphs()[0] === gd;
    const layout = { "font.size": big ? 22 : base.font, "font.color": fg, paper_bgcolor: bg, plot_bgcolor: bg,
                     "xaxis.gridcolor": grid, "yaxis.gridcolor": grid };
    if (main && big) layout.height = Math.round(window.innerHeight * 0.86);
    else if (base.height) layout.height = base.height;
    const lines = gd.data.map((t, i) => (t.type === "scatter" || t.type === "scattergl") && t.mode !== "markers"
      ? (big ? Math.max(4, base.widths[i] || 2) : base.widths[i]) : undefined);
    const idx = lines.map((w, i) => (w === undefined || w === null ? -1 : i)).filter((i) => i >= 0);
    Plotly.relayout(gd, layout);
    if (idx.length) Plotly.restyle(gd, { "line.width": idx.map((i) => lines[i]) }, idx);
  }

  function apply() {
    document.body.classList.toggle("lecture", mode.lecture);
    document.body.classList.toggle("dark", mode.dark);
    for (const gd of graphs()) {
      if (!gd._dtlHooked && gd.on) {
        gd._dtlHooked = true;
        gd.on("plotly_afterplot", () => { if (gd._dtlSig !== `${mode.lecture}/${mode.dark}/${gd.data.length}`) style(gd); });
      }
      if (gd.data) style(gd);
    }
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
      if (mode.lecture || mode.dark) apply();
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

  /* plotly ≥ 6 sends numpy arrays packed as {dtype, bdata (base64), shape}: unpack to plain arrays
     (a 2-D shape to rows), as plotly does for drawing. */
  const DTYPES = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                   u2: Uint16Array, i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray };

  function unpack(a) {
    const bin = atob(a.bdata);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const Type = DTYPES[String(a.dtype).replace(/^[<>|=]/, "")];
    if (!Type) return [];
    const flat = Array.from(new Type(bytes.buffer));
    const shape = typeof a.shape === "string" ? a.shape.split(",").map(Number) : a.shape;
    if (!shape || shape.length !== 2) return flat;
    const rows = [];
    for (let i = 0; i < shape[0]; i++) rows.push(flat.slice(i * shape[1], (i + 1) * shape[1]));
    return rows;
  }

  function plain(a) {
    if (a === undefined || a === null) return [];
    if (ArrayBuffer.isView(a)) return Array.from(a);
    if (Array.isArray(a)) return a;
    if (typeof a === "object" && typeof a.bdata === "string") return unpack(a);
    return [];
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
    if (ev.key === "Escape" && mode.lecture) { mode.lecture = false; save(); apply(); return; }
    if (ev.key === " " || ev.code === "Space") {
      const anim = window.DTL_particles;
      const button = document.getElementById(anim && anim.playing ? "particles-pause" : "particles-play");
      if (button) { ev.preventDefault(); button.click(); }
      return;
    }
    if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") && !(ev.target.getAttribute && ev.target.getAttribute("role") === "slider")) {
      const handle = document.querySelector("#ctl-logt [role='slider']");
      if (!handle) return;
      ev.preventDefault();
      handle.dispatchEvent(new KeyboardEvent("keydown", { key: ev.key, code: ev.key, bubbles: true }));
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    teaching: {
      mode: function (lectureClicks, themeClicks, search) {
        const q = new URLSearchParams(search || "");
        if (q.get("lecture") !== null) mode.lecture = q.get("lecture") !== "0";
        if (q.get("theme") !== null) mode.dark = q.get("theme") === "dark";
        if ((lectureClicks || 0) > mode.clicks.lecture) mode.lecture = !mode.lecture;
        if ((themeClicks || 0) > mode.clicks.theme) mode.dark = !mode.dark;
        mode.clicks = { lecture: lectureClicks || 0, theme: themeClicks || 0 };
        save();
        setTimeout(apply, 0);
        return `${mode.lecture ? "lecture" : "desk"} ${mode.dark ? "dark" : "light"}`;
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
        graphs().forEach((gd) => {
          const name = fileName(gd);
          if (which.startsWith("export-csv")) {
            download(figureCsv(gd), name + ".csv", "text/csv");
          } else {
            const format = which.startsWith("export-svg") ? "svg" : "png";
            const width = 1920, height = Math.round(1920 * gd.clientHeight / Math.max(gd.clientWidth, 1));
            Plotly.downloadImage(gd, { format, filename: name, width, height, scale: 1 });
          }
        });
        return String(Date.now());
      },
    },
  });
})();
