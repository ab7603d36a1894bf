/* The console dashboard's charts: data from the page's JSON block, drawn by the vendored Chart.js. */
(function () {
  "use strict";

  function emptyNote(canvas, text) {
    var note = document.createElement("p");
    note.className = "empty";
    note.textContent = text;
    canvas.parentNode.replaceWith(note);
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var red = "#be1622";

    Chart.defaults.font.family = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
    Chart.defaults.font.size = 13;
    Chart.defaults.color = "#555";
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 12;

    var integerAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eee" } };

    // Items by status: a doughnut, statuses with no items left out of the legend.
    var statusCanvas = document.getElementById("chart-status");
    var statuses = data.by_status.filter(function (s) { return s.count > 0; });
    if (statusCanvas) {
      if (statuses.length === 0) {
        emptyNote(statusCanvas, "暂无建议。");
      } else {
        new Chart(statusCanvas, {
          type: "doughnut",
          data: {
            labels: statuses.map(function (s) { return s.label + " " + s.count; }),  // the count in the legend
            datasets: [{
              data: statuses.map(function (s) { return s.count; }),
              backgroundColor: statuses.map(function (s) { return s.colour; }),
              borderWidth: 1
            }]
          },
          options: { cutout: "55%", plugins: { legend: { position: "right" } } }
        });
      }
    }

    // Items by category: horizontal bars, largest first.
    var categoryCanvas = document.getElementById("chart-category");
    if (categoryCanvas) {
      if (data.by_category.length === 0) {
        emptyNote(categoryCanvas, "暂无建议。");
      } else {
        new Chart(categoryCanvas, {
          type: "bar",
          data: {
            labels: data.by_category.map(function (c) { return c.category; }),
            datasets: [{
              label: "建议数",
              data: data.by_category.map(function (c) { return c.count; }),
              backgroundColor: "#d4380d",
              maxBarThickness: 28
            }]
          },
          options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: integerAxis, y: { grid: { display: false } } } }
        });
      }
    }

    // Filings per week over the last twelve weeks.
    var trendCanvas = document.getElementById("chart-trend");
    if (trendCanvas) {
      new Chart(trendCanvas, {
        type: "line",
        data: {
          labels: data.trend.map(function (w) { return w.week + " 周"; }),
          datasets: [{
            label: "提交建议数",
            data: data.trend.map(function (w) { return w.count; }),
            borderColor: red,
            backgroundColor: "rgba(190, 22, 34, 0.12)",
            fill: true,
            cubicInterpolationMode: "monotone",
            pointRadius: 3
          }]
        },
        options: { plugins: { legend: { display: false } }, scales: { y: integerAxis, x: { grid: { display: false } } } }
      });
    }

    // The top ten deputies by points this year.
    var boardCanvas = document.getElementById("chart-leaderboard");
    if (boardCanvas && data.leaderboard.length > 0) {
      new Chart(boardCanvas, {
        type: "bar",
        data: {
          labels: data.leaderboard.map(function (r) { return r.rank + ". " + r.name; }),
          datasets: [{
            label: "履职积分",
            data: data.leaderboard.map(function (r) { return r.points; }),
            backgroundColor: "#c69c2d",
            maxBarThickness: 22
          }]
        },
        options: {
          indexAxis: "y",
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { afterLabel: function (ctx) { return data.leaderboard[ctx.dataIndex].level_label; } } }
          },
          scales: { x: integerAxis, y: { grid: { display: false } } }
        }
      });
    }
    document.body.setAttribute("data-charts", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
