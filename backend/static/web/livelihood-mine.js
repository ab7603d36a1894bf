/* /livelihood/mine: 我的民生建议 — the proposals made from this browser (GET /api/v1/livelihood/proposals
 * with its identity) and what became of them: adopted as a candidate of a round (and, once it closed,
 * whether it was voted in), or declined with the reason. */
(function () {
  "use strict";

  var MSB = window.MSB;
  var list = document.getElementById("items");
  if (!list || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };
  var BADGES = { "new": "status-pending", adopted: "status-closed", declined: "status-rejected" };

  function outcome(item) {
    if (item.status === "declined") return item.reason ? "不予采纳的理由：" + item.reason : "";
    if (item.status !== "adopted") return "人大常委会正在研究，处理后会显示在这里。";
    var text = "已列入“" + item.vote_title + "”的候选项目";
    if (item.vote_void) return text + "，因投票代表不足，该次票决无效。";
    if (item.adopted === true) return text + "，经代表票决当选。";
    if (item.adopted === false) return text + "，票决未当选。";
    return text + "，等待代表票决。";
  }

  function add(item) {
    var li = MSB.el("li", "lv-item");
    var head = MSB.el("div", "item-head");
    head.appendChild(MSB.el("strong", "lv-item-title", item.title));
    head.appendChild(MSB.el("span", "badge " + (BADGES[item.status] || ""), item.status_label));
    li.appendChild(head);
    var text = item.content.length > 60 ? item.content.slice(0, 60) + "…" : item.content;
    li.appendChild(MSB.el("p", "item-text", text));
    li.appendChild(MSB.el("p", "small muted", "向" + item.region_name + "人大提出 · " + MSB.formatTime(item.created_at)));
    var said = outcome(item);
    if (said) li.appendChild(MSB.el("p", "small lv-outcome", said));
    list.appendChild(li);
  }

  /* The proposals, newest first, a page at a time (MSB.pager: 加载更多 while there are more). */
  var pages = MSB.pager({
    url: "/api/v1/livelihood/proposals", more: $("more"), add: add, loading: $("loading"), error: $("load-error"),
    done: function (shown) {
      MSB.show(list, shown > 0);
      MSB.show($("empty"), shown === 0);
    }
  });

  function start() {
    MSB.started();
    if (!MSB.hasIdentity()) return MSB.show($("empty"), true);
    return pages.load();
  }

  start();
})();
