/* The lab's state in the browser: URL ⇄ controls ⇄ stores without a server round trip (issue 18).
 *
 * parse() interprets the declaration the server puts in the `lab-schema` store (components/state.py
 * browser_schema): the fields with their kinds, ranges and labels, each target's parameters, the rules
 * across fields and the notices' words.  No range, rule's number, notice or target name is written here;
 * tests/test_state_browser.py checks both sides agree on crafted links.  The server still validates every
 * state it computes from (and checks what the browser cannot: drawn and uploaded points).
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

  /* JavaScript's String(x) is the one number format of notices (state.py _number prints the same). */
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, k) => String(values[k]));
  }

  const field = (schema, name) => {
    const [kind, dflt, low, high, label, group] = schema.fields[name];
    return { kind, dflt, low, high, label, group };
  };

  /* One field on its own: [value, notice or null] (state.py _coerce). */
  function coerce(schema, name, raw, dflt) {
    const f = field(schema, name);
    const say = (key, values) => fill(schema.notices[key], Object.assign({ label: f.label }, values));
    if (Array.isArray(raw)) raw = raw.length ? raw[raw.length - 1] : null;
    if (raw === null || raw === undefined || raw === "") return [dflt, null];
    const shown = String(raw).slice(0, 40);
    if (f.kind === "choice" && f.low.every((c) => typeof c === "number")) {     // state.py _nearest_choice
      const value = pyFloat(raw);
      if (value === null || Number.isNaN(value)) return [dflt, say("not_a_number", { raw: shown, default: dflt })];
      const clamped = Math.min(Math.max(value, f.low[0]), f.low[f.low.length - 1]);
      const choice = f.low.reduce((best, c) => (Math.abs(c - clamped) < Math.abs(best - clamped) ? c : best));
      return choice === value ? [choice, null]
        : [choice, say("not_a_choice", { raw: shown, value: choice, choices: f.low.join(", ") })];
    }
    if (f.kind === "choice") {
      const ok = ["string", "number"].includes(typeof raw);
      const match = ok ? f.low.find((c) => String(c) === String(raw)) : undefined;
      return match !== undefined ? [match, null] : [dflt, say("unknown", { raw: shown, default: dflt })];
    }
    if (f.kind === "text") {
      const ok = typeof raw === "string" && raw.length <= f.high && new RegExp(`^(?:${f.low})$`).test(raw);
      return ok ? [raw, null] : [dflt, say("unreadable", {})];
    }
    const value = pyFloat(raw);
    if (value === null || Number.isNaN(value)) return [dflt, say("not_a_number", { raw: shown, default: dflt })];
    let clamped = Math.min(Math.max(value, f.low), f.high);
    if (f.kind === "int") clamped = Number.isFinite(clamped) ? roundHalfEven(clamped) : f.high;
    if (clamped !== value) {
      const where = value < f.low ? "minimum" : value > f.high ? "maximum" : "nearest whole number";
      return [clamped, say("clamped", { raw: shown, where, value: clamped })];
    }
    return [clamped, null];
  }

  /* The classes guidance can aim at (state.py class_count): the digit classes chosen, or the target's own. */
  function classNames(spec, state) {
    return spec.classes === "cls" ? state.cls.split("") : spec.classes;
  }

  /* One rule across fields (state.py _apply, the same kinds): changes `values`, returns a notice or null. */
  function applyRule(schema, rule, values, given) {
    const name = rule.field, spec = schema.specs[values.target];
    const set = (v) => { values[name] = v; return fill(rule.notice, { value: v }); };
    switch (rule.rule) {
      case "max_by":
        return values[name] > rule.max[values[rule.by]] ? set(rule.max[values[rule.by]]) : null;
      case "fixed":
        if (values.target !== rule.target || values[name] === rule.value) return null;
        values[name] = rule.value;
        return name in given ? rule.notice : null;
      case "square_of": {
        const side = values[rule.of];
        if (!spec.uses.includes(rule.of) || values[name] === side * side) return null;
        values[name] = side * side;
        return name in given ? fill(rule.notice, { value: side * side, side: side }) : null;
      }
      case "range": {
        if (values.target !== rule.target) return null;
        const v = Math.min(Math.max(values[name], rule.low), rule.high);
        return v !== values[name] ? set(v) : null;
      }
      case "product_max":
        return spec.uses.includes(name) && values[name] * values[rule.times] > rule.max
          ? set(Math.floor(rule.max / values[rule.times])) : null;
      case "distinct_sorted": {
        if (!spec.uses.includes(name)) return null;
        const chosen = [...new Set(values[name])].sort().join("");
        values[name] = chosen.length >= rule.min ? chosen : rule.fallback;
        return chosen.length < rule.min ? rule.notice : null;
      }
      case "at_most":
        return spec.uses.includes(name) && values[name] > values[rule.other] ? set(values[rule.other]) : null;
      case "class_index": {
        if (values[name] === rule.off || Number(values[name]) < classNames(spec, values).length) return null;
        const said = fill(rule.notice, { name: spec.name, value: values[name] });
        values[name] = rule.off;
        return said;
      }
      default:
        return null;
    }
  }

  function defaultState(schema, target) {
    const state = {};
    for (const [name, f] of Object.entries(schema.fields)) state[name] = f[1];
    Object.assign(state, schema.specs[target].defaults);
    state.target = target;
    return state;
  }

  /* state.py parse_state (less what only the server can check): [state, notices]; `base` fills missing fields. */
  function parseState(schema, raw, base) {
    raw = raw || {};
    base = base || {};
    const notices = [];
    const note = (n) => { if (n) notices.push(n); };
    const [target, tn] = coerce(schema, "target", raw.target, base.target || schema.fields.target[1]);
    note(tn);
    const fallback = Object.assign(defaultState(schema, target), base);
    fallback.target = target;
    const state = { target };
    for (const name of schema.order) {            // the declaration's order, as the server reads (and words) them
      if (name === "target") continue;
      const [value, n] = coerce(schema, name, raw[name], fallback[name]);
      state[name] = value;
      note(n);
    }
    for (const rule of schema.rules) note(applyRule(schema, rule, state, raw));
    return [state, notices];
  }

  /* state.py parse_query: the fields of a query string, truncated; [raw, notices]. */
  function parseQuery(schema, search) {
    search = search || "";
    const notices = [];
    if (search.length > schema.max_query_chars) {
      search = search.slice(0, schema.max_query_chars);
      notices.push(schema.notices.too_long);
    }
    const body = search.replace(/^\?/, "");
    if (body && body.split("&").length > schema.max_fields) return [{}, notices.concat([schema.notices.unparsable])];
    const raw = {};
    for (const [k, v] of new URLSearchParams(body)) {
      if (v !== "" && k in schema.fields) (raw[k] = raw[k] || []).push(v);
    }
    return [raw, notices];
  }

  /* state.py state_query: the lab's fields, the parameters the target uses, the page settings changed; t given. */
  function stateQuery(schema, state, t) {
    const spec = schema.specs[state.target];
    const values = Object.assign({}, state, { t });
    const keys = schema.order.filter((k) => {
      const [, dflt, , , , group] = schema.fields[k];
      return group === "lab" || (group === "shape" ? spec.uses.includes(k) : values[k] !== dflt);
    });
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
      /* URL ⇄ controls (components/controls.py wires it).  Arguments: the URL, the time slider (drag and
       * value), the time box, the panel's controls (schema.panel, in order), the page's own controls (one
       * pattern-matching list, named by their ids), then the state, time and schema stores.  Returns the
       * URL, the slider, the time box, the panel's controls, the page's controls, the state, the live and
       * set time, the notice. */
      sync: function (search, dragLogT, logT, typedT, ...rest) {
        const schema = rest.pop(), time = rest.pop(), current = rest.pop();
        const pageValues = rest.pop() || [];
        const panel = rest;
        const ctx = window.dash_clientside.callback_context;
        const pageIds = (ctx.outputs_list[3 + schema.panel.length] || []).map((o) => o.id.name);
        const trig = (ctx.triggered || []).map((x) => x.prop_id);
        const unchanged = [...schema.panel.map(NO), pageIds.map(NO)];
        const controls = (state) => [...schema.panel.map((k) => state[k]), pageIds.map((k) => state[k])];
        const fromUrl = !trig.length || trig.includes("url.search") || trig.includes(".");
        if (fromUrl) {
          const { state, notices } = parse(schema, search);
          const t = state.t;
          return [NO(), Math.log10(t), t, ...controls(state), withoutTime(state), t, t, notice(notices)];
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
          const moved = Object.assign({}, base, { t: t0 });
          const n1 = schema.rules.filter((r) => r.field === "t").map((r) => applyRule(schema, r, moved, {}))
            .find((n) => n);
          const t = moved.t, n = n0 || n1;
          // the slider echoes a value it is given as a drag_value (6 digits): not a move
          if (live && Number(time) > 0 && Math.abs(Math.log(t / Number(time))) < 1e-5) {
            return [NO(), NO(), NO(), ...unchanged, NO(), NO(), NO(), NO()];
          }
          writeTime(schema, base, t, !dragged);
          const shown = typed ? t : Number(t.toPrecision(4));     // the box shows a slider's t to 4 digits
          return [NO(), typed ? Math.log10(t) : NO(), shown, ...unchanged, NO(), t, dragged ? NO() : t,
                  n ? notice([n]) : typed ? null : NO()];
        }
        const raw = Object.assign({}, base, Object.fromEntries(schema.panel.map((k, i) => [k, panel[i]])),
                                  Object.fromEntries(pageIds.map((k, i) => [k, pageValues[i]])));
        raw.t = time;
        const chosen = raw.target;
        if (trig.includes("ctl-target.value") && chosen in schema.specs) {
          const defaults = schema.specs[chosen].defaults;
          for (const k of Object.keys(defaults)) raw[k] = defaults[k];
        }
        const [state, notices] = parseState(schema, raw, base);
        const t = state.t;
        const moved = t !== Number(time);          // a process change may bring t into its range
        // a page's controls appearing with the values it read from the link change nothing: no new URL, but the
        // stores are written again — the page's callbacks on them wait for this one and would be dropped by
        // a no_update (Dash skips the initial call of a callback whose input was not updated)
        if (!moved && !notices.length && JSON.stringify(withoutTime(state)) === JSON.stringify(withoutTime(base))) {
          return [NO(), NO(), NO(), ...unchanged, withoutTime(state), t, t, NO()];
        }
        return [stateQuery(schema, state, t), moved ? Math.log10(t) : NO(), moved ? t : NO(), ...controls(state),
                withoutTime(state), moved ? t : NO(), moved ? t : NO(), notice(notices)];
      },
      /* The guided-class menu lists the target's classes. */
      classOptions: function (state, schema) {
        const target = state && schema.specs[state.target] ? state.target : schema.fields.target[1];
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
        const target = state && schema.specs[state.target] ? state.target : schema.fields.target[1];
        const spec = schema.specs[target];
        const process = state && state.process in schema.t_max ? state.process : "VE";
        const guidable = !!state && classNames(spec, Object.assign(defaultState(schema, target), state)).length > 0;
        const styles = outputs.map((o) => {
          const name = o.id && o.id.name;
          let visible = wanted.includes(name) && (own || schema.fields[name][5] !== "shape" || spec.uses.includes(name));
          visible = visible && (own || name !== "sigma" || process === "VE");
          visible = visible && (name !== "gc" || guidable) && (!(name in schema.active_when) || (guidable &&
            schema.active_when[name].every(([other, test, value]) => (state[other] === value) === (test === "is"))));
          return visible ? null : { display: "none" };
        });
        document.body.classList.toggle("no-controls", !wanted.length);   // assets/lab.css gives the column back
        // the target's note only where the target is chosen (it spoke of the circle on /data)
        return [styles, wanted.length ? null : { display: "none" }, own || !wanted.includes("target") ? null : spec.note];
      },
    },
  });
})();
