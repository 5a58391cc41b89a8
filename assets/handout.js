/* A lesson's handout (pages/handout): each step's view is drawn in a frame (?embed=1); once its main figure has
 * drawn and its callbacks have settled, the figure becomes a picture (Plotly.toImage) in the frame's place, so the
 * page prints as text and images. The print button prints. */
(function () {
  const WIDTH = 900, HEIGHT = 480;

  function settled(win) {
    const doc = win.document;
    const gd = [...doc.querySelectorAll(".page .js-plotly-plot")].find((g) => !g.closest(".card"));
    const busy = (win.__pending || 0) > 0 ||
      [...doc.querySelectorAll(".running")].some((el) => win.getComputedStyle(el).display !== "none");
    return gd && gd.data && gd.data.length && !busy ? gd : null;
  }

  function convert(frame) {
    if (frame.dataset.done) return;
    let gd = null;
    try { gd = frame.contentWindow && frame.contentWindow.Plotly && settled(frame.contentWindow); } catch (e) { gd = null; }
    if (!gd) return;
    frame.dataset.done = "1";
    frame.contentWindow.Plotly.toImage(gd, { format: "png", width: WIDTH, height: HEIGHT }).then((url) => {
      const img = document.createElement("img");
      img.src = url;
      img.alt = frame.title;
      img.className = "handout-image";
      frame.replaceWith(img);
    }).catch(() => { delete frame.dataset.done; });
  }

  setInterval(() => document.querySelectorAll("iframe.handout-frame").forEach(convert), 1000);
  document.addEventListener("click", (ev) => {
    if (ev.target && ev.target.id === "handout-print") window.print();
  });
})();
