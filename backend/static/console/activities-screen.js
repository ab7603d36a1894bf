/* The full-screen check-in page: a fresh rotating code every period, and the live check-in count. */
(function () {
  "use strict";

  var screen = document.getElementById("screen");
  if (!screen) {
    return;
  }
  var codeUrl = screen.getAttribute("data-code-url");
  var attendanceUrl = screen.getAttribute("data-attendance-url");
  var period = Number(screen.getAttribute("data-period")) || 15;
  var img = document.getElementById("checkin-qr");
  var stopped = document.getElementById("screen-stopped");
  var checked = document.getElementById("screen-checked");
  var expected = document.getElementById("screen-expected");
  var declined = document.getElementById("screen-declined");
  var timers = [];

  function stop(text) {
    timers.forEach(window.clearInterval);
    if (img) {
      img.hidden = true;
    }
    stopped.textContent = text;
    stopped.hidden = false;
  }

  function refreshCode() {
    img.src = codeUrl + "?t=" + Date.now();
  }

  if (img) {
    img.addEventListener("error", function () {
      fetch(codeUrl + "?t=" + Date.now(), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          return response.text().then(function (text) {
            if (!response.ok && response.status !== 503) {
              stop(text.length < 200 ? text : "签到码已停用。");
            }
          });
        })
        .catch(function () { /* offline for a moment: the next refresh tries again */ });
    });
    timers.push(window.setInterval(refreshCode, period * 1000));
  }

  function refreshCount() {
    fetch(attendanceUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        return response.ok && type.indexOf("application/json") !== -1 ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        checked.textContent = data.checked_in;
        expected.textContent = data.expected;
        declined.textContent = data.declined;
        if (data.status !== "published") {
          stop("活动" + data.status_label + "，签到已停止。");
        }
      })
      .catch(function () { /* try again at the next tick */ });
  }
  timers.push(window.setInterval(refreshCount, 5000));

  // Opened before check-in opens: the page comes again when it does, with the code (the server decides).
  var opens = Number(screen.getAttribute("data-opens"));
  if (opens) {
    timers.push(window.setInterval(function () {
      if (Date.now() >= opens) {
        window.location.reload();
      }
    }, 10000));
  }

  var full = document.getElementById("screen-full");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () {});
    });
  } else if (full) {
    full.hidden = true;
  }
})();
