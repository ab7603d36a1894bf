/* /track/: 我的个人信息 — the copy of what is held about this browser's citizen (GET /api/v1/me/personal-data)
 * and 注销账号 (DELETE /api/v1/me), asked in the page first. Once done the browser forgets its identity. */
(function () {
  "use strict";

  var MSB = window.MSB;
  var card = document.getElementById("privacy-card");
  if (!card || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };

  if (!MSB.hasIdentity()) return;  // nothing held about a browser that never filed
  MSB.show(card, true);

  function line(text) { return MSB.el("li", "small", text); }

  // What the public pages show of an item: its words (and reply) as published, else 不予公开 / 未公开展示.
  function publication(p) {
    if (!p) return "";
    var text = p.state !== "published" ? p.state_label :
      p.state_label + "：" + p.content + (p.reply_content ? "；答复：" + p.reply_content : "");
    return " · 公开展示情况：" + text;
  }

  $("privacy-show").addEventListener("click", async function () {
    MSB.showError($("privacy-error"), "");
    var answer = await MSB.api("GET", "/api/v1/me/personal-data");
    if (!answer.ok) return MSB.showError($("privacy-error"), answer.message);
    var data = answer.data;
    $("privacy-account").textContent = "身份：" + data.account.kind_label + " · 创建于 " +
      MSB.formatTime(data.account.created_at) + (data.account.phone ? " · 手机号 " + data.account.phone : "");
    var list = $("privacy-list");
    list.textContent = "";
    list.appendChild(line("建议 " + data.suggestions.total + " 条"));
    data.suggestions.items.forEach(function (s) {
      list.appendChild(line(s.number + "（" + s.status_label + "）：" + s.content +
        " · 联系电话 " + (s.contact_phone || "未留") + " · 照片 " + s.photos + " 张" +
        (s.location ? " · 位置 " + (s.location.address || "已记录") : "") + publication(s.publication)));
    });
    data.ratings.items.forEach(function (r) {
      list.appendChild(line("评价 " + r.number + " 第 " + r.round + " 轮：" + r.satisfaction_label + (r.comment ? "（" + r.comment + "）" : "")));
    });
    list.appendChild(line("约见 " + data.appointments.total + " 条"));
    data.appointments.items.forEach(function (a) {
      list.appendChild(line(a.number + "（" + a.status_label + "）：" + a.topic + " · 称呼 " + (a.name || "未填") +
        " · 联系电话 " + a.contact_phone));
    });
    list.appendChild(line("民生实事建议 " + data.livelihood_proposals.total + " 条"));
    data.livelihood_proposals.items.forEach(function (p) {
      list.appendChild(line(p.title + "（" + p.status_label + "）：" + p.content + " · 联系电话 " + (p.contact_phone || "未留")));
    });
    list.appendChild(line("立法意见 " + data.consultation_opinions.total + " 条"));
    data.consultation_opinions.items.forEach(function (o) {
      list.appendChild(line(o.consultation_title + " " + (o.article_number || "总体意见") + "（" +
        (o.feedback_label || "待反馈") + "）：" + o.content + " · 联系电话 " + (o.contact_phone || "未留")));
    });
    list.appendChild(line("述职测评 " + data.report_poll_ballots.total + " 次"));
    data.report_poll_ballots.items.forEach(function (b) {
      var choices = b.choices.map(function (c) { return c.deputy_name + " " + c.choice_label; }).join("、");
      list.appendChild(line(b.activity_title + "（" + MSB.formatTime(b.activity_starts_at).slice(0, 10) + "）：" +
        choices + (b.comment ? " · 意见：" + b.comment : "")));
    });
    if (data.unattached_photos) list.appendChild(line("已上传但未提交的照片 " + data.unattached_photos + " 张"));
    MSB.show($("privacy-data"), true);
  });

  MSB.askFirst($("erase"), $("erase-confirm"), $("erase-yes"), $("erase-no"), $("erase-error"));

  function erasing(sending) {
    $("erase-yes").disabled = sending;
    $("erase-no").disabled = sending;
    $("erase-yes").textContent = sending ? "正在注销…" : "确认注销";
  }

  $("erase-yes").addEventListener("click", async function () {
    if ($("erase-yes").disabled) return;
    MSB.showError($("erase-error"), "");
    erasing(true);
    var answer = await MSB.api("DELETE", "/api/v1/me");
    erasing(false);
    if (!answer.ok) {
      MSB.showError($("erase-error"), answer.message);
      $("erase-yes").focus();
      return;
    }
    MSB.forgetIdentity();
    ["privacy-card", "appts-card"].forEach(function (id) { MSB.show($(id), false); });
    MSB.show($("items"), false);
    MSB.show($("empty"), false);
    MSB.show($("erased-card"), true);
    $("erased-card").focus();
  });
})();
