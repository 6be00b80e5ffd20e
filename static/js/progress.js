// Sending progress (templates/decisions/staff/progress.html): polls the page's JSON endpoint and updates
// the counts and the bar. Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("mail-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var lang = document.documentElement.lang || "en";
  // The server formats numbers with Latin digits in Arabic too; keep the page consistent.
  var format = new Intl.NumberFormat(lang === "ar" ? "ar-u-nu-latn" : lang);
  var bar = document.getElementById("mail-progress-bar");
  var state = document.getElementById("mail-progress-state");
  var failedBefore = parseInt(box.getAttribute("data-failed"), 10) || 0;
  var waiting = (parseInt(box.getAttribute("data-queued"), 10) || 0) > 0;
  var delay = 2000;

  function show(counts) {
    var done = counts.sent + counts.failed;
    var values = { queued: counts.queued, sent: counts.sent, failed: counts.failed, total: counts.total, done: done };
    box.querySelectorAll("[data-count]").forEach(function (node) {
      var name = node.getAttribute("data-count");
      if (name in values) { node.textContent = format.format(values[name]); }
    });
    if (bar) {
      bar.max = counts.total || 1;
      bar.value = counts.total ? done : 0;
    }
    if (state) {
      state.textContent = state.getAttribute(counts.queued ? "data-waiting" : "data-finished");
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (counts) {
        show(counts);
        if (counts.queued > 0) {
          waiting = true;
          window.setTimeout(poll, delay);
        } else if (waiting && counts.failed !== failedBefore) {
          // New failures: reload once so their errors and retry buttons appear.
          window.location.reload();
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  if (waiting) { window.setTimeout(poll, delay); }
}());
