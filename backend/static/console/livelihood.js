// 民生实事票决: the turnout on a round's page, refreshed while voting is open — how many have voted, never
// who (the server does not say until the round is closed) nor how. Once the round is found closed, the page
// is loaded again to show the result and who voted.
(function () {
  var line = document.querySelector("[data-turnout]");
  if (!line || line.hasAttribute("data-final")) return;
  function refresh() {
    fetch(line.getAttribute("data-turnout"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.status === "closed") { window.location.reload(); return; }
        line.querySelector("[data-voted]").textContent = data.voted;
        var left = {};
        (data.left_office_deputy_ids || []).forEach(function (id) { left[id] = true; });
        document.querySelectorAll("[data-deputy]").forEach(function (item) {
          var id = item.getAttribute("data-deputy");
          // 已离任: an elector who left office since the opening (they may not vote).
          var mark = item.querySelector("[data-left-office]");
          if (left[id] && !mark) {
            mark = document.createElement("span");
            mark.className = "tag";
            mark.setAttribute("data-left-office", "");
            mark.textContent = "已离任";
            item.appendChild(mark);
          } else if (!left[id] && mark) {
            mark.remove();
          }
        });
        var note = document.querySelector("[data-left-office-note]");
        if (note) note.hidden = !Object.keys(left).length;
        if (data.status === "voting") window.setTimeout(refresh, 15000);
      })
      .catch(function () { window.setTimeout(refresh, 30000); });
  }
  window.setTimeout(refresh, 15000);
})();
