// 民生实事票决: the turnout on a round's page, refreshed while voting is open (who has voted, never how).
(function () {
  var line = document.querySelector("[data-turnout]");
  if (!line || line.hasAttribute("data-final")) return;
  function refresh() {
    fetch(line.getAttribute("data-turnout"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        line.querySelector("[data-voted]").textContent = data.voted;
        var voted = {};
        data.voted_deputy_ids.forEach(function (id) { voted[id] = true; });
        document.querySelectorAll("[data-deputy]").forEach(function (item) {
          item.querySelector("[data-voted-label]").textContent = voted[item.getAttribute("data-deputy")] ? "已投票" : "未投票";
        });
        if (data.status === "voting") window.setTimeout(refresh, 15000);
      })
      .catch(function () { window.setTimeout(refresh, 30000); });
  }
  window.setTimeout(refresh, 15000);
})();
