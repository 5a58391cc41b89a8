/* A lesson's panel (components/tour.py), in the browser: the way back to the step's view shows once t has moved
 * away from the step's (the server does not follow time moves, so none sends a request), and × closes the lesson,
 * keeping the view: the link's lesson and step fields are dropped and the page reads the new URL. */
(function () {
  function currentT() {
    const t = Number(new URLSearchParams(window.location.search).get("t"));
    return Number.isFinite(t) && t > 0 ? t : null;
  }

  setInterval(() => {
    const restore = document.querySelector("#lesson-panel .lesson-restore");
    if (!restore) return;
    const stepT = Number(restore.dataset.t), t = currentT();
    const moved = t !== null && Number.isFinite(stepT) && Math.abs(Math.log(t / stepT)) > 1e-6;
    restore.classList.toggle("moved", moved);
  }, 300);

  document.addEventListener("click", (ev) => {
    const close = ev.target.closest && ev.target.closest("#lesson-close");
    if (!close) return;
    ev.preventDefault();
    const q = new URLSearchParams(window.location.search);
    q.delete("lesson");
    q.delete("step");
    const search = q.toString();
    window.history.pushState(null, "", window.location.pathname + (search ? "?" + search : ""));
    window.dispatchEvent(new PopStateEvent("popstate"));
  });
})();
