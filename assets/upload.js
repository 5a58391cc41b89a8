/* An upload zone refuses a file over its limit without firing a callback (dcc.Upload's max_size): the
 * user saw nothing.  A file chosen or dropped inside an element with data-max-bytes that is larger is
 * reported by name and size to the store named in data-rejected-store; the server words the message
 * (core.datasets.check_upload_size), so the limit and its text live there. */
(function () {
  function report(target, files) {
    const zone = target && target.closest && target.closest("[data-max-bytes]");
    if (!zone || !files || !files.length || !window.dash_clientside || !window.dash_clientside.set_props) return;
    const limit = Number(zone.dataset.maxBytes);
    const big = Array.from(files).find((f) => f.size > limit);
    if (big) window.dash_clientside.set_props(zone.dataset.rejectedStore, { data: { name: big.name, size: big.size, at: Date.now() } });
  }
  document.addEventListener("change", (ev) => { if (ev.target && ev.target.type === "file") report(ev.target, ev.target.files); }, true);
  document.addEventListener("drop", (ev) => report(ev.target, ev.dataTransfer && ev.dataTransfer.files), true);
})();
