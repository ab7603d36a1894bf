/* /track/: the suggestions filed (or followed) from this browser, and the appointments (约见代表) asked for in it. */
(function () {
  "use strict";

  var MSB = window.MSB;
  var list = document.getElementById("items");
  if (!list || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };

  function done() { MSB.show($("loading"), false); }

  /* A list entry: a link to ``href`` with the item's number, status and the first 60 characters of ``words``,
     then ``muted`` in small print. */
  function card(href, item, words, muted) {
    var li = MSB.el("li");
    var link = MSB.el("a", "item-link");
    link.href = href;
    var head = MSB.el("div", "item-head");
    head.appendChild(MSB.el("span", "number", item.number));
    var shown = MSB.statusOf(item);
    head.appendChild(MSB.el("span", shown.className, shown.label));
    link.appendChild(head);
    var text = MSB.el("p", "item-text");
    if (item.followed) {  // someone else's item this browser follows, not one it filed
      text.appendChild(MSB.el("span", "tag tag-followed", "已关注"));
    }
    text.appendChild(document.createTextNode(words.length > 60 ? words.slice(0, 60) + "…" : words));
    link.appendChild(text);
    link.appendChild(MSB.el("p", "small muted", muted));
    li.appendChild(link);
    return li;
  }

  function addItem(item) {
    // A follower by merge of an item not published reads their own words in place of its citizen's.
    var own = (item.merged_from_mine || []).map(function (m) { return m.content; });
    var content = item.content != null ? item.content
      : own.length ? "您反映的问题：" + own.join("；") : "提出人未同意公开这条建议的内容。";
    var li = card("/track/" + item.id, item, content, item.category + " · " + MSB.formatTime(item.created_at));
    if (item.merged_into && item.merged_into_followed !== false) {
      // The item being handled in its place (this browser follows it, so it is in the list too).
      var merged = MSB.el("a", "merged-link more-link", "查看合并后的办理进展 ›");
      merged.href = "/track/" + encodeURIComponent(item.merged_into);
      li.appendChild(merged);
    }
    list.appendChild(li);
  }

  function addAppointment(item) {
    var who = item.deputy ? item.deputy.name + " 代表" : (item.station ? item.station.name : "");
    var when = item.status === "confirmed" && item.meet_at ? "见面时间 " + MSB.formatTime(item.meet_at)
      : item.activity ? "接待安排 " + MSB.formatSpan(item.activity.starts_at, item.activity.ends_at) +
        (item.activity.status === "cancelled" ? "（该接待日已取消）" : "")
        : "希望时间 " + item.preferred_time;
    $("appts").appendChild(card("/appointments/" + item.id, item, item.topic, who + " · " + when));
  }

  /* Each list a page at a time, newest first (MSB.pager: 加载更多 while there are more). */
  var items = MSB.pager({
    url: "/api/v1/suggestions?scope=mine", more: $("more"), add: addItem, loading: $("loading"), error: $("load-error"),
    done: function (shown) {
      MSB.show(list, shown > 0);
      MSB.show($("empty"), shown === 0);
    }
  });
  /* The appointments: a card of their own, shown when there are any (or when they could not be read). */
  var appointments = MSB.pager({
    url: "/api/v1/appointments?scope=mine", more: $("appts-more"), add: addAppointment, error: $("appts-error"),
    done: function (shown) { MSB.show($("appts-card"), shown > 0); }
  });

  function load() {
    MSB.started();
    if (!MSB.hasIdentity()) {
      done();
      return MSB.show($("empty"), true);
    }
    items.load();
    appointments.load().then(function (answer) {
      if (!answer.ok) MSB.show($("appts-card"), true);
    });
  }

  load();
})();
