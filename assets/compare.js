/* Compare page (pages/compare/page.py): two frames of one view, A = the lab's state, B = A with a contrast; the
 * page's time moves both.  A frame's URL carries embed=1 (assets/teaching.js hides its shell); a time move is
 * handed to each frame's own time slider (drag_value while dragged, value once released), so each view moves
 * its figures exactly as on its own page. */
(function () {
  const NO = () => window.dash_clientside.no_update;

  function frames() {
    return ["compare-frame-a", "compare-frame-b"].map((id) => document.getElementById(id)).filter(Boolean);
  }

  function withSettings(state, settings) {
    const out = Object.assign({}, state);
    const extra = {};
    for (const [k, v] of new URLSearchParams(settings)) {
      if (k in out) out[k] = v; else extra[k] = v;
    }
    return [out, extra];
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    compare: {
      frames: function (state, view, vs, t, contrasts, schema) {
        if (!state || !schema || !contrasts || !contrasts[vs]) return [NO(), NO(), NO(), NO()];
        const lab = window.dash_clientside.lab;
        const src = contrasts[vs].map((settings) => {
          const [s, extra] = withSettings(state, settings);
          const parsed = lab.parse(schema, "?" + new URLSearchParams(Object.assign({}, s, { t }))).state;
          const query = lab.stateQuery(schema, parsed, parsed.t);
          return view + query + "&" + new URLSearchParams(Object.assign({}, extra, { embed: "1" })).toString();
        });
        const labels = contrasts[vs].map((settings, i) => (i ? "B: " : "A: ") + settings.replace(/&/g, ", "));
        return [src[0], src[1], labels[0], labels[1]];
      },
      time: function (t, tset) {
        const logT = Math.log10(Number(t));
        if (!Number.isFinite(logT)) return NO();
        const released = Math.abs(Number(t) - Number(tset)) < 1e-12;
        for (const frame of frames()) {
          const win = frame.contentWindow;
          const set = win && win.dash_clientside && win.dash_clientside.set_props;
          if (set) set("ctl-logt", released ? { value: logT } : { drag_value: logT });
        }
        return NO();
      },
    },
  });
})();
