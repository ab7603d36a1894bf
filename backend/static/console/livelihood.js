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
        var left = {};
        data.voted_deputy_ids.forEach(function (id) { voted[id] = true; });
        (data.left_office_deputy_ids || []).forEach(function (id) { left[id] = true; });
        document.querySelectorAll("[data-deputy]").forEach(function (item) {
          var id = item.getAttribute("data-deputy");
          var label = item.querySelector("[data-voted-label]");
          label.textContent = voted[id] ? "已投票" : "未投票";
          // 已离任: an elector who left office since the opening (they may not vote).
          var mark = item.querySelector("[data-left-office]");
          if (left[id] && !mark) {
            // "李娜：" becomes "李娜", the mark, "：".
            var name = label.previousSibling;
            if (name && name.nodeType === 3) name.textContent = name.textContent.replace(/：$/, "");
            mark = document.createElement("span");
            mark.className = "tag";
            mark.setAttribute("data-left-office", "");
            mark.textContent = "已离任";
            item.insertBefore(mark, label);
            item.insertBefore(document.createTextNode("："), label);
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
