/* An activity's page, 述职测评 while open: the status, the ballots and the counts per deputy asked again every 5 s
 * (GET …/report-poll/counts.json), the rates reckoned as the server does (满意 ÷ rated, (满意 + 基本满意) ÷ rated). */
(function () {
  "use strict";

  var section = document.getElementById("report-poll");
  var url = section && section.getAttribute("data-counts");
  if (!url) return;
  var errorLine = document.getElementById("report-poll-refresh-error");
  var timer;

  function rate(part, whole) {
    return whole ? (part * 100 / whole).toFixed(1) + "%" : "—";
  }

  function render(data) {
    document.getElementById("report-poll-ballots").textContent = data.ballots + " 张";
    var status = document.getElementById("report-poll-status");
    if (status && data.status_text) status.textContent = data.status_text;  // 已结束 once the window is over
    if (data.tickets && document.getElementById("report-poll-tickets-used")) {  // 凭票测评: the tickets used
      document.getElementById("report-poll-tickets-issued").textContent = String(data.tickets.issued);
      document.getElementById("report-poll-tickets-used").textContent = String(data.tickets.used);
    }
    data.deputies.forEach(function (d) {
      var row = section.querySelector('tr[data-deputy="' + d.id + '"]');
      if (!row) return;
      ["satisfied", "basically_satisfied", "dissatisfied", "rated"].forEach(function (key) {
        row.querySelector(".rp-" + key).textContent = String(d[key]);
      });
      row.querySelector(".rp-srate").textContent = rate(d.satisfied, d.rated);
      row.querySelector(".rp-brate").textContent = rate(d.satisfied + d.basically_satisfied, d.rated);
    });
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        return response.json();
      })
      .then(function (data) {
        errorLine.hidden = true;
        render(data);
        if (data.status !== "open") window.clearInterval(timer);
      })
      .catch(function () {
        errorLine.textContent = "刷新失败，请检查网络或重新登录。";
        errorLine.hidden = false;
      });
  }

  timer = window.setInterval(refresh, 5000);
})();
