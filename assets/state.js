/* The lab's state in the browser: URL ⇄ controls ⇄ stores without a server round trip (issue 18).
 *
 * parse() is components/state.py's parse_query + parse_state, rule for rule, driven by the schema the
 * server puts in the `lab-schema` store (browser_schema); tests/test_state_browser.py checks the two
 * agree on crafted links.  The server still validates every state it computes from.
 *
 * Stores: `lab-state` (every field but t: a time move triggers no server callback), `lab-time` (t, live
 * while the slider is dragged), `lab-time-set` (t once released or typed: the landscape's exact redraw).
 * A drag rewrites the URL in place (history.replaceState); a released or typed time adds a history entry;
 * any other change goes through the `url` Location, as Back must restore it. */
(function () {
  const NO = () => window.dash_clientside.no_update;

  /* Python's float(): decimal literals with optional underscores, inf/infinity/nan; nothing else. */
  const FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
  function pyFloat(raw) {
    if (typeof raw === "number") return raw;
    if (typeof raw === "boolean") return raw ? 1 : 0;
    if (typeof raw !== "string") return null;
    const s = raw.trim();
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(s)) return NaN;
    return FLOAT.test(s) ? Number(s.replace(/_/g, "")) : null;
  }

  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  }

  function repr(v) { return typeof v === "string" ? `'${v}'` : String(v); }

  /* One field: [value, notice or null] (state.py _coerce). */
  function coerce(schema, name, raw, dflt) {
    const [kind, , low, high, label] = schema.fields[name];
    if (Array.isArray(raw)) raw = raw.length ? raw[raw.length - 1] : null;
    if (raw === null || raw === undefined || raw === "") return [dflt, null];
    const shown = String(raw).slice(0, 40);
    if (kind === "choice") {
      return typeof raw === "string" && low.includes(raw) ? [raw, null]
        : [dflt, `Unknown ${label} ${repr(shown)}: using ${repr(dflt)}.`];
    }
    if (kind === "text") {
      const ok = typeof raw === "string" && raw.length <= high && new RegExp(`^(?:${low})$`).test(raw);
      return ok ? [raw, null] : [dflt, `The ${label} in the link could not be read: using the default.`];
    }
    const value = pyFloat(raw);
    if (value === null) return [dflt, `${label} = ${repr(shown)} is not a number: using ${dflt}.`];
    if (Number.isNaN(value)) return [dflt, `${label} is not a number: using ${dflt}.`];
    let clamped = Math.min(Math.max(value, low), high);
    if (kind === "int") clamped = Number.isFinite(clamped) ? roundHalfEven(clamped) : high;
    if (clamped !== value) {
      const where = value < low ? "minimum" : value > high ? "maximum" : "nearest whole number";
      return [clamped, `${label} = ${shown} is outside the lab's range: set to the ${where} ${clamped}.`];
    }
    return [clamped, null];
  }

  /* The process's last time (state.py parse_state): flow matching lives in 0 < t < 1.  [t, notice or null]. */
  function clampTime(schema, process, t) {
    const tMax = schema.t_max[process];
    return t > tMax ? [tMax, `Flow matching runs over 0 < t < 1: t set to ${tMax}.`] : [t, null];
  }

  /* The classes guidance can aim at (state.py class_count): the digit classes chosen, or the target's own. */
  function classNames(spec, state) {
    return spec.classes === "cls" ? state.cls.split("") : spec.classes;
  }

  function defaultState(schema, target) {
    const state = {};
    for (const [name, spec] of Object.entries(schema.fields)) state[name] = spec[1];
    Object.assign(state, schema.specs[target].defaults);
    state.target = target;
    return state;
  }

  /* state.py parse_state: [state, notices]; `base` fills missing fields. */
  function parseState(schema, raw, base) {
    raw = raw || {};
    base = base || {};
    const notices = [];
    const note = (n) => { if (n) notices.push(n); };
    const [target, tn] = coerce(schema, "target", raw.target, base.target || "circle");
    note(tn);
    const fallback = Object.assign(defaultState(schema, target), base);
    fallback.target = target;
    const state = { target };
    for (const name of Object.keys(schema.fields)) {
      if (name === "target") continue;
      const [value, n] = coerce(schema, name, raw[name], fallback[name]);
      state[name] = value;
      note(n);
    }
    const [tClamped, tNote] = clampTime(schema, state.process, state.t);
    state.t = tClamped;
    note(tNote);
    const spec = schema.specs[target];
    if (spec.fixed_d !== null && state.d !== spec.fixed_d) {
      if ("d" in raw) notices.push(`${spec.name} lives in d = ${spec.fixed_d}.`);
      state.d = spec.fixed_d;
    }
    if (target === "circle" && state.n > schema.circle_max) {
      notices.push(`A circle holds at most K = ${schema.circle_max} deltas: set to ${schema.circle_max}.`);
      state.n = schema.circle_max;
    }
    if (target === "circle" && state.n < 2) {
      notices.push("A circle needs K ≥ 2 deltas: set to 2.");
      state.n = 2;
    }
    if (spec.uses.includes("n") && state.n * state.d > schema.nd_max) {
      state.n = Math.floor(schema.nd_max / state.d);
      notices.push(`n·d is capped at ${schema.nd_max.toExponential(0).replace("e+", "e+0")}: n set to ${state.n}.`);
    }
    if (spec.uses.includes("cls")) {
      let classes = [...new Set(state.cls)].sort().join("");
      if (classes.length < 2) {
        notices.push("Pick at least two digit classes: using 0 and 1.");
        classes = "01";
      }
      state.cls = classes;
    }
    // user points are parsed by the server only (confirm_state reports a bad set)
    if (spec.uses.includes("dd") && state.dd > state.d) {
      notices.push(`D_data cannot exceed d: set to ${state.d}.`);
      state.dd = state.d;
    }
    if (state.gc !== "none" && Number(state.gc) >= classNames(spec, state).length) {
      notices.push(`${spec.name} has no class ${state.gc} to guide toward: guidance off.`);
      state.gc = "none";
    }
    return [state, notices];
  }

  /* state.py parse_query: the fields of a query string, truncated; [raw, notices]. */
  function parseQuery(schema, search) {
    search = search || "";
    const notices = [];
    if (search.length > schema.max_query_chars) {
      search = search.slice(0, schema.max_query_chars);
      notices.push("The link's query string was too long; the rest was ignored.");
    }
    const body = search.replace(/^\?/, "");
    if (body && body.split("&").length > schema.max_fields) {
      return [{}, notices.concat(["The link's query string could not be read: using defaults."])];
    }
    const raw = {};
    for (const [k, v] of new URLSearchParams(body)) {
      if (v !== "" && k in schema.fields) (raw[k] = raw[k] || []).push(v);
    }
    return [raw, notices];
  }

  /* state.py state_query: the parameters the target uses, t from the time store. */
  function stateQuery(schema, state, t) {
    const spec = schema.specs[state.target];
    const keys = ["target", "process", "t"].concat(state.process === "VE" ? ["sigma"] : [])
      .concat(schema.shape_fields.filter((k) => spec.uses.includes(k)))
      .concat(schema.page_fields.filter((k) => state[k] !== schema.fields[k][1]));
    const values = Object.assign({}, state, { t });
    const q = new URLSearchParams();
    for (const k of keys) {
      const v = values[k];
      q.append(k, typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v));
    }
    return "?" + q.toString();
  }

  function parse(schema, search) {
    const [raw, notices] = parseQuery(schema, search);
    const [state, more] = parseState(schema, raw);
    return { state, notices: notices.concat(more) };
  }

  function withoutTime(state) {
    const copy = Object.assign({}, state);
    delete copy.t;
    return copy;
  }

  function notice(list) {
    return list.length ? [{ type: "Strong", namespace: "dash_html_components", props: { children: "Some values were adjusted: " } },
      " " + list.join(" ")] : null;
  }

  function timeFromSlider(logT) {
    const v = Number(logT);
    return Number.isFinite(v) ? Number((10 ** v).toPrecision(6)) : null;
  }

  function writeTime(schema, state, t, push) {
    const url = window.location.pathname + stateQuery(schema, state, t) + window.location.hash;
    if (push) window.history.pushState(null, "", url);
    else window.history.replaceState(window.history.state, "", url);
  }

  const TIME_IDS = ["ctl-logt.drag_value", "ctl-logt.value", "ctl-t.value"];

  /* The slider's tooltip shows t, not log₁₀ t (dcc.Slider looks its transform up in window.dccFunctions). */
  window.dccFunctions = Object.assign({}, window.dccFunctions, {
    timeOfSlider: (logT) => String(Number(timeFromSlider(logT).toPrecision(3))),
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    lab: {
      parse, stateQuery,
      /* URL ⇄ controls (components/controls.py wires it; argument order: see there).  Returns the URL,
       * the slider, the time box, each editable control, the state, the live and set time, the notice. */
      sync: function (search, dragLogT, logT, typedT, target, ...rest) {
        const schema = rest.pop(), time = rest.pop(), current = rest.pop();
        const editable = rest;
        const names = ["process", "sigma"].concat(schema.shape_fields, schema.page_fields);
        const trig = (window.dash_clientside.callback_context.triggered || []).map((x) => x.prop_id);
        const none = names.map(NO);
        const fromUrl = !trig.length || trig.includes("url.search") || trig.includes(".");
        if (fromUrl) {
          const { state, notices } = parse(schema, search);
          const t = state.t;
          return [NO(), Math.log10(t), t, state.target, ...names.map((k) => state[k]), withoutTime(state),
                  t, t, notice(notices)];
        }
        const base = parseState(schema, current && typeof current === "object" ? current : {})[0];
        if (trig.some((p) => TIME_IDS.includes(p))) {
          const live = trig.includes("ctl-logt.drag_value") && !trig.includes("ctl-logt.value");
          const typed = trig.includes("ctl-t.value");
          // the particles' animation moves the slider as a drag (no history entry per frame)
          const animated = !live && !typed && !!(window.DTL_particles && window.DTL_particles.playing);
          const dragged = live || animated;
          const raw = typed ? typedT : timeFromSlider(live ? dragLogT : logT);
          const [t0, n0] = coerce(schema, "t", raw, Number(time) || schema.fields.t[1]);
          const [t, n1] = clampTime(schema, base.process, t0);
          const n = n0 || n1;
          // the slider echoes a value it is given as a drag_value (6 digits): not a move
          if (live && Number(time) > 0 && Math.abs(Math.log(t / Number(time))) < 1e-5) {
            return [NO(), NO(), NO(), NO(), ...none, NO(), NO(), NO(), NO()];
          }
          writeTime(schema, base, t, !dragged);
          const shown = typed ? t : Number(t.toPrecision(4));     // the box shows a slider's t to 4 digits
          return [NO(), typed ? Math.log10(t) : NO(), shown, NO(), ...none, NO(), t, dragged ? NO() : t,
                  n ? notice([n]) : typed ? null : NO()];
        }
        const raw = Object.fromEntries(names.map((k, i) => [k, editable[i]]));
        raw.target = target;
        raw.t = time;
        if (trig.includes("ctl-target.value") && target in schema.specs) {
          const defaults = schema.specs[target].defaults;
          for (const k of schema.shape_fields) if (k in defaults) raw[k] = defaults[k];
        }
        const [state, notices] = parseState(schema, raw, base);
        const t = state.t;
        const moved = t !== Number(time);          // a process change may bring t into its range
        return [stateQuery(schema, state, t), moved ? Math.log10(t) : NO(), moved ? t : NO(), state.target,
                ...names.map((k) => state[k]), withoutTime(state), moved ? t : NO(), moved ? t : NO(), notice(notices)];
      },
      /* The guided-class menu lists the target's classes. */
      classOptions: function (state, schema) {
        const target = state && schema.specs[state.target] ? state.target : "circle";
        const names = classNames(schema.specs[target], Object.assign(defaultState(schema, target), state || {}));
        return [{ label: "none (unguided)", value: "none" }].concat(names.map((n, i) => ({ label: `class ${n}`, value: String(i) })));
      },
      /* The time slider and box span the process's times (flow matching: 0 < t < 1). */
      timeRange: function (state, schema) {
        const tMax = schema.t_max[state && state.process in schema.t_max ? state.process : "VE"];
        const high = Math.log10(tMax), marks = {};
        for (let k = Math.ceil(Math.log10(schema.fields.t[2])); k <= Math.floor(high); k++) marks[k] = String(10 ** k);
        if (high < 0) marks[high] = String(tMax);      // flow matching ends just below t = 1
        return [high, marks];
      },
      /* Navigation links keep the state (and the current time). */
      links: function (search, time, schema) {
        const outputs = window.dash_clientside.callback_context.outputs_list || [];
        const state = parse(schema, search).state;
        const query = stateQuery(schema, state, Number.isFinite(time) ? time : state.t);
        return outputs.map((o) => ((o.id && o.id.path) || "/") + query);
      },
      /* Show the controls the page lists and its target uses (state.py / a page's `controls`). */
      controls: function (pathname, state, schema) {
        const outputs = window.dash_clientside.callback_context.outputs_list[0] || [];
        const page = schema.pages[pathname];
        const wanted = page ? page.controls : [];
        const own = page ? page.own : false;
        const target = state && schema.specs[state.target] ? state.target : "circle";
        const spec = schema.specs[target];
        const process = state && state.process in schema.t_max ? state.process : "VE";
        const guidable = !!state && classNames(spec, Object.assign(defaultState(schema, target), state)).length > 0;
        const styles = outputs.map((o) => {
          const name = o.id && o.id.name;
          let visible = wanted.includes(name) && (own || !schema.shape_fields.includes(name) || spec.uses.includes(name));
          visible = visible && (own || name !== "sigma" || process === "VE");
          visible = visible && (name !== "gc" || guidable) && (name !== "gw" || (guidable && state.gc !== "none"));
          return visible ? null : { display: "none" };
        });
        document.body.classList.toggle("no-controls", !wanted.length);   // assets/lab.css gives the column back
        // the target's note only where the target is chosen (it spoke of the circle on /data)
        return [styles, wanted.length ? null : { display: "none" }, own || !wanted.includes("target") ? null : spec.note];
      },
    },
  });
})();
