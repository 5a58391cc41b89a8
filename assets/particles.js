/* Particles page: the reverse-diffusion animation runs here, in the browser.
 * The server sends one run (float32 frames as base64); requestAnimationFrame advances the
 * frames.  While playing, each frame hands the new positions straight to the scattergl
 * trace's regl renderer (measured here: 2–3 ms a frame against ~95 ms for Plotly.restyle,
 * which recomputes the whole trace); on pause and scrub Plotly.restyle syncs plotly's own
 * data.  Nothing is re-sent per frame.  The view follows the cloud (the run's per-frame spans)
 * and the data as the process sees them, a(t)·y, in steps of 20 %; the time slider follows
 * the animation (as a drag: no history entry until it stops). */
(function () {
  const anim = { frames: 0, count: 0, xs: [], ys: [], pos: [], times: [], frame: 0, playing: false,
                 speed: 1, last: null, renders: 0, regime: null, secondsPerRun: 8, scales: [], spans: [],
                 data: [], view: null, resumable: false, sliderAt: 0 };
  const STEP = Math.log(1.2);          // the view and the data's scale follow in steps of 20 %
  const SLIDER_EVERY_MS = 200;
  window.DTL_particles = anim;

  function graphDiv() {
    const el = document.getElementById("particles-graph");
    return el ? el.querySelector(".js-plotly-plot") : null;
  }

  /* The regime at t, by the fan title's own breaks and labels (pages/particles/_figures.py). */
  function regime(t) {
    const r = anim.regime;
    if (!r || !r.labels.length) return "";
    return "regime " + r.labels[r.breaks.filter((b) => b <= t).length];
  }

  /* Axis ranges and the data trace at frame f, when they are 20 % off what is drawn (or ``exact``). */
  function viewUpdate(f, exact) {
    const span = anim.spans[f], scale = anim.scales[f];
    const v = anim.view;
    if (!exact && v && Math.abs(Math.log(span / v.span)) < STEP && Math.abs(Math.log(scale / v.scale)) < STEP) return null;
    anim.view = { span, scale };
    const layout = { "xaxis.range": [-span, span], "yaxis.range": [-span, span] };
    const data = { x: [anim.data.map((p) => p[0] * scale)], y: [anim.data.map((p) => p[1] * scale)] };
    return { layout, data };
  }

  function fastDraw(gd, f) {
    const layout = gd._fullLayout;
    const plot = layout && layout._plots && layout._plots.xy;
    const scene = plot && plot._scene;
    if (!scene || !scene.scatter2d || !scene.markerOptions || !scene.markerOptions[0] || !layout._glcanvas) {
      return false;                            // plotly internals differ: use restyle
    }
    scene.markerOptions[0].positions = anim.pos[f];
    scene.scatter2d.update(scene.markerOptions);
    layout._glcanvas.each(function (c) { if (c.regl) c.regl.clear({ color: true, depth: true }); });
    scene.draw();
    return true;
  }

  /* ``quick``: hand the positions to the WebGL renderer only (playing, or scrubbing while the slider is
   * dragged); plotly's own data are synced by a full restyle when it stops. */
  function render(quick) {
    const gd = graphDiv();
    if (!gd || !anim.frames) return;
    const f = Math.max(0, Math.min(anim.frames - 1, Math.floor(anim.frame)));
    const fast = anim.playing || quick;
    const view = viewUpdate(f, !fast);
    if (view) {                                     // one update: the cloud, the scaled data, the axes
      Plotly.update(gd, { x: [anim.xs[f], view.data.x[0]], y: [anim.ys[f], view.data.y[0]] }, view.layout, [0, 1]);
    } else if (!(fast && fastDraw(gd, f))) {
      Plotly.restyle(gd, { x: [anim.xs[f]], y: [anim.ys[f]] }, [0]);
    }
    anim.renders += 1;
    const clock = document.getElementById("particles-clock");
    if (clock) {
      const t = anim.times[f];
      clock.textContent = "frame " + (f + 1) + " / " + anim.frames + " · t = " + t.toPrecision(3) + " · " + regime(t);
      clock.dataset.frame = String(f);
    }
  }

  /* Play brings the playback row and the cloud under it on the screen together (the cloud sat 480 px below
   * the fold on a laptop: most of the 8 s run was over by the time one had scrolled to it). */
  function onStage() {
    const bar = document.getElementById("particles-playback"), gd = graphDiv();
    if (!bar || !gd) return;
    const top = bar.getBoundingClientRect().top, bottom = gd.getBoundingClientRect().bottom;
    if (top < 0 || bottom > window.innerHeight) bar.scrollIntoView({ block: "start" });
  }

  function nearestFrame(t) {
    let best = 0;
    for (let f = 1; f < anim.frames; f++) {
      if (Math.abs(Math.log(anim.times[f] / t)) < Math.abs(Math.log(anim.times[best] / t))) best = f;
    }
    return best;
  }

  /* The time slider shows the frame's t: while playing as a drag (assets/state.js reads
   * DTL_particles.playing), once stopped as a release (one history entry). */
  function follow(now) {
    if (anim.playing && now - anim.sliderAt < SLIDER_EVERY_MS) return;
    anim.sliderAt = now;
    const t = anim.times[Math.max(0, Math.min(anim.frames - 1, Math.floor(anim.frame)))];
    if (window.dash_clientside.set_props && t > 0) window.dash_clientside.set_props("ctl-logt", { value: Math.log10(t) });
  }

  function tick(now) {
    if (!anim.playing) { anim.last = null; return; }
    if (anim.last !== null) {
      anim.frame += (now - anim.last) / 1000 * anim.speed * anim.frames / anim.secondsPerRun;
      if (anim.frame >= anim.frames - 1) { anim.frame = anim.frames - 1; anim.playing = false; anim.resumable = false; }
    }
    anim.last = anim.playing ? now : null;         // a run that ended keeps no clock: the next Play starts afresh
    render();                                      // the last frame (playing now false) syncs plotly
    follow(now);
    if (anim.playing) window.requestAnimationFrame(tick);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    particles: {
      load: function (run, t) {
        if (!run || !run.frames || !window.DTL_arrays.isPacked(run.frames)) return "";
        const flat = window.DTL_arrays.typed(run.frames);
        const [F, P, K] = window.DTL_arrays.shape(run.frames);
        anim.frames = F; anim.count = P; anim.times = run.times; anim.xs = []; anim.ys = []; anim.pos = [];
        for (let f = 0; f < F; f++) {
          const x = new Float32Array(P), y = new Float32Array(P);
          for (let p = 0; p < P; p++) { x[p] = flat[(f * P + p) * K]; y[p] = flat[(f * P + p) * K + 1]; }
          anim.xs.push(x); anim.ys.push(y);
          anim.pos.push(flat.subarray(f * P * K, (f + 1) * P * K));   // interleaved x, y (K = 2)
        }
        anim.regime = run.regime || null; anim.scales = run.scales || run.times.map(() => 1);
        anim.spans = run.spans || []; anim.data = run.data || []; anim.view = null;
        anim.frame = nearestFrame(Number(t) > 0 ? Number(t) : run.times[0]);
        anim.playing = false; anim.resumable = false;
        setTimeout(render, 0);
        return "loaded " + F + " frames of " + P + " particles";
      },
      play: function (n) {
        if (!n || !anim.frames) return window.dash_clientside.no_update;
        onStage();
        // Play runs the reverse process from t_max; after a pause it resumes where it stopped
        if (!anim.resumable || anim.frame >= anim.frames - 1) anim.frame = 0;
        anim.resumable = false;
        if (!anim.playing) {
          anim.playing = true; anim.sliderAt = 0; anim.last = null;   // time counts from this Play's first frame
          window.requestAnimationFrame(tick);
        }
        return "playing";
      },
      pause: function (n) {
        if (!n) return window.dash_clientside.no_update;
        anim.resumable = anim.playing;
        anim.playing = false;
        render();                                  // sync plotly's data with the frame shown
        follow(performance.now());
        return "paused";
      },
      speed: function (value) {
        anim.speed = Number(value) || 1;
        return window.dash_clientside.no_update;
      },
      scrub: function (t, tset) {
        if (!(Number(t) > 0) || !anim.frames || anim.playing) return window.dash_clientside.no_update;
        const f = nearestFrame(Number(t));
        if (f !== Math.floor(anim.frame)) anim.resumable = false;     // moved away from a pause: Play restarts
        anim.frame = f;
        render(Number(t) !== Number(tset));            // dragging: WebGL only; released: plotly synced
        return window.dash_clientside.no_update;
      }
    }
  });
})();
