// Attendance page (templates/training/attendance.html): every tick is saved at once. The whole form (CSRF
// token included) is sent in the background and the status line says "Saved"; the progress column follows.
// Without JavaScript the Save attendance button posts the same form.
(function () {
  "use strict";
  var form = document.getElementById("attendance-form");
  var status = document.getElementById("attendance-status");
  if (!form || !status || !window.fetch || !window.FormData) { return; }
  var sending = false;
  var again = false;

  function say(text, failed) {
    status.textContent = text;
    status.classList.toggle("attendance-failed", Boolean(failed));
  }

  function showProgress(progress) {
    Object.keys(progress || {}).forEach(function (id) {
      var cell = form.querySelector('[data-progress-for="' + id + '"]');
      var state = cell && cell.querySelector(".status");
      var counts = cell && cell.querySelector(".progress-count");
      if (state) {
        state.textContent = progress[id].title;
        state.className = "status status-progress-" + progress[id].status;
      }
      if (counts) { counts.textContent = progress[id].counts; }
    });
  }

  function save() {
    if (sending) { again = true; return; }  // one request at a time; the last state wins
    sending = true;
    say(form.getAttribute("data-saving"), false);
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok || !result.body.saved) {
          say(result.body.error || form.getAttribute("data-failed"), true);
          return;
        }
        say(form.getAttribute("data-saved"), false);
        showProgress(result.body.progress);
      })
      .catch(function () { say(form.getAttribute("data-failed"), true); })
      .then(function () {
        sending = false;
        if (again) { again = false; save(); }
      });
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "present") { save(); }
  });
}());
