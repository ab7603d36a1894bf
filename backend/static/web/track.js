/* /track/{id}: the private tracking page — status, timeline, the answer and the rating form. */
(function () {
  "use strict";

  var MSB = window.MSB;
  var root = document.getElementById("track");
  if (!root || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };
  var id = root.dataset.id;
  // MAX_ROUNDS: 不满意 in an earlier round hands the item back to the deputy; in the last, it closes it under 督办.
  var maxRounds = parseInt(root.dataset.maxRounds, 10) || 2;
  var ROLE_NAMES = { citizen: "群众", deputy: "代表", station_admin: "联络站", region_admin: "人大工作人员", system: "系统" };
  var SATISFACTION = { satisfied: "满意", basically_satisfied: "基本满意", dissatisfied: "不满意" };
  var photosLoaded = false;

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function noAccess() {
    MSB.show($("loading"), false);
    MSB.show($("detail"), false);
    MSB.show($("no-access"), true);
  }

  async function loadPhotos(item) {
    if (photosLoaded || !item.attachments || !item.attachments.length) return;
    photosLoaded = true;
    var box = $("d-photos");
    MSB.show(box, true);
    for (var i = 0; i < item.attachments.length; i++) {
      var url = await MSB.imageUrl(item.attachments[i].url);
      if (!url) continue;
      var tile = MSB.el("a", "photo");
      tile.href = url;
      tile.target = "_blank";
      var img = MSB.el("img");
      img.alt = "照片 " + (i + 1);
      img.src = url;
      tile.appendChild(img);
      box.appendChild(tile);
    }
  }

  function render(item) {
    MSB.show($("loading"), false);
    MSB.show($("detail"), true);
    $("d-number").textContent = item.number;
    var status = $("d-status");
    var shown = MSB.statusOf(item);
    status.textContent = shown.label;
    status.className = shown.className;
    MSB.show($("d-merged"), !!item.merged_into);
    // Merged into an item this citizen may not open now (it is held for review): no link.
    var followed = item.merged_into_followed !== false;
    MSB.show($("d-merged-followed"), followed);
    MSB.show($("d-merged-private"), !followed);
    MSB.show($("d-merged-link"), !!item.merged_into && followed);
    if (item.merged_into) $("d-merged-link").href = "/track/" + encodeURIComponent(item.merged_into);
    var meta = [item.category, "提交于 " + MSB.formatTime(item.created_at)];
    if (item.deputy) meta.push("承办代表：" + item.deputy.name);
    else if (item.station) meta.push(item.station.name);
    $("d-meta").textContent = meta.join(" · ");

    var flags = $("d-flags");
    clear(flags);
    if (item.supervised) flags.appendChild(MSB.el("span", "tag tag-warn", "督办中"));
    if (item.overdue) flags.appendChild(MSB.el("span", "tag tag-warn", "已超期"));
    if (item.round > 1) flags.appendChild(MSB.el("span", "tag", "第 " + item.round + " 轮办理"));
    MSB.show(flags, flags.childNodes.length > 0);

    // A follower by merge of an item its citizen did not publish reads none of its words, but their own.
    $("d-content").textContent = item.content == null ? "提出人未同意公开这条建议的内容。" : item.content;
    var own = (item.merged_from_mine || []).map(function (m) { return m.content; });
    $("d-own").textContent = own.length ? "您反映的问题：" + own.join("；") : "";
    MSB.show($("d-own"), own.length > 0);
    loadPhotos(item);

    // Where the deputy sent it (转办): the department or the 12345 hotline, and for the filer the work
    // order's number to quote there and the deputy's verdict on the department's answer.
    var orders = $("d-work-orders");
    clear(orders);
    (item.work_orders || []).forEach(function (order) {
      var parts = ["转办至" + order.department];
      if (order.work_order_no) parts.push("工单编号 " + order.work_order_no);
      if (order.feedback_at) parts.push("部门已反馈");
      else if (order.withdrawn_at) parts.push("已撤回（" + (order.withdrawn_reason || "未获部门反馈") + "）");
      else parts.push("等待部门反馈");
      if (order.satisfaction_label) parts.push("代表评价：" + order.satisfaction_label);
      orders.appendChild(MSB.el("li", null, parts.join(" · ")));
    });
    MSB.show(orders, orders.childNodes.length > 0);

    MSB.show($("d-reply"), !!item.reply_content);
    $("d-reply-text").textContent = item.reply_content || "";
    MSB.show($("d-implemented"), !!item.implemented_label);
    $("d-implemented").textContent = item.implemented_label ? "办理结果：" + item.implemented_label : "";

    // Only the filer may rate or withdraw; followers see the progress. The API shows the contact
    // phone field to the filer (and staff) only, so its presence marks this browser as the filer.
    var owner = Object.prototype.hasOwnProperty.call(item, "contact_phone");

    var rated = $("d-rated");
    if (item.satisfaction && item.status !== "replied") {
      rated.textContent = (owner ? "您的评价：" : "群众评价：") + (SATISFACTION[item.satisfaction] || item.satisfaction);
      MSB.show(rated, true);
    } else {
      MSB.show(rated, false);
    }

    MSB.show($("rate-card"), owner && item.status === "replied");
    $("rate-hint").textContent = item.round >= maxRounds
      ? "这是最后一轮办理：选择“不满意”，建议将办结并转入督办，不再重新交办。"
      : "选择“不满意”，建议将重新交办。";
    // 同意公开 is the filer's to withdraw, or give again, whatever the item's status (个人信息保护法 第十五条).
    MSB.show($("consent-card"), owner);
    if (owner) showConsent(!!item.public_consent);
    var withdrawable = owner && (item.status === "pending" || item.status === "assigned");
    MSB.show($("withdraw-card"), withdrawable);
    if (!withdrawable) askToWithdraw(false);

    var timeline = $("timeline");
    clear(timeline);
    (item.timeline || []).slice().reverse().forEach(function (event) {
      var li = MSB.el("li");
      var head = MSB.el("div", "timeline-head");
      head.appendChild(MSB.el("strong", null, event.action_label || event.action));
      head.appendChild(MSB.el("span", "small muted", MSB.formatTime(event.at)));
      li.appendChild(head);
      // A citizen's steps on an item (filing, rating, withdrawing) are all its filer's: "我" to the
      // filer, "群众" to a citizen who follows it.
      var who = event.actor_role === "citizen" ? (owner ? "我" : ROLE_NAMES.citizen)
        : (event.actor_name || ROLE_NAMES[event.actor_role] || "");
      if (event.actor_role === "deputy" && event.actor_name) who = event.actor_name + " 代表";
      if (who) li.appendChild(MSB.el("p", "small muted timeline-actor", who));
      if (event.note) li.appendChild(MSB.el("p", "timeline-note", event.note));
      timeline.appendChild(li);
    });
    MSB.show($("timeline-card"), timeline.childNodes.length > 0);
  }

  async function load() {
    MSB.started();
    if (!MSB.hasIdentity()) return noAccess();
    MSB.show($("loading"), true);
    var answer = await MSB.api("GET", "/api/v1/suggestions/" + encodeURIComponent(id));
    if (answer.ok) return render(answer.data);
    if (answer.status === 404 || answer.status === 403 || answer.status === 401) return noAccess();
    MSB.show($("loading"), false);
    MSB.showError($("load-error"), answer.message);
  }

  // One Idempotency-Key per step, kept across retries: an answer lost on the way back is read on the
  // next tap instead of 409 (the step was taken).
  var rateKey = MSB.randomKey();
  var withdrawKey = MSB.randomKey();

  /* A step refused because the item moved on meanwhile (the station refused it, the deputy answered
   * again): the page shows where it stands now, with the reason in ``errorBox``. */
  async function refusedStep(answer, errorBox) {
    MSB.showError(errorBox, answer.message);
    if (answer.status !== 409) return;
    var fresh = await MSB.api("GET", "/api/v1/suggestions/" + encodeURIComponent(id));
    if (!fresh.ok) return;
    render(fresh.data);
    MSB.showError($("rate-error"), "");
    MSB.showError($("load-error"), answer.message);
  }

  // 评价意见 is 必填 once 不满意 is chosen, 选填 otherwise.
  function commentNeeded() {
    var choice = document.querySelector("input[name=satisfaction]:checked");
    var needed = !!choice && choice.value === "dissatisfied";
    $("comment-need").textContent = needed ? "必填" : "选填";
    $("comment").required = needed;
    $("comment").placeholder = needed ? "请写明哪里不满意，代表将据此再次办理" : "说说您对办理结果的看法";
  }
  $("rate-form").addEventListener("change", commentNeeded);

  $("rate-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var choice = document.querySelector("input[name=satisfaction]:checked");
    if (!choice) {
      // Said under the button and read with the choices (aria-describedby): the first one takes the focus.
      MSB.showError($("rate-error"), "请选择满意程度。");
      return document.querySelector("input[name=satisfaction]").focus();
    }
    // 不满意 sends the item round again (or, in the last round, to 督办): the deputy and the station need to know
    // what was wrong. The API takes a rating without a comment; this page asks for one.
    if (choice.value === "dissatisfied" && !$("comment").value.trim()) {
      MSB.showError($("rate-error"), "请写明不满意的原因，便于代表再次办理。");
      return $("comment").focus();
    }
    MSB.showError($("rate-error"), "");
    var button = $("rate-submit");
    button.disabled = true;
    var answer = await MSB.api("POST", "/api/v1/suggestions/" + encodeURIComponent(id) + "/rate", {
      json: { satisfaction: choice.value, comment: $("comment").value }, idempotencyKey: rateKey
    });
    button.disabled = false;
    if (!answer.ok) {
      if (answer.status === 403) return MSB.showError($("rate-error"), "只有提交这条建议的人可以评价。");
      return refusedStep(answer, $("rate-error"));
    }
    rateKey = MSB.randomKey();  // the next round's rating is another step
    $("rate-form").reset();
    commentNeeded();
    MSB.showError($("load-error"), "");
    render(answer.data);
    window.scrollTo(0, 0);
    // The form is gone: the focus goes to 您的评价 (tabindex -1), so a screen reader reads the result.
    MSB.focusOn($("d-rated"));
  });

  // 撤回公开同意 / 同意公开, asked in the page first; sent again as it stands, it changes nothing.
  var askConsent = MSB.askFirst($("consent"), $("consent-confirm"), $("consent-yes"), $("consent-no"),
                                $("consent-error"));
  var consented = false;

  function showConsent(value) {
    consented = value;
    $("consent-state").textContent = value
      ? "您已同意公开：这条建议去除姓名、电话、门牌号等个人信息后，可提示附近的其他群众，办结后在公开页面展示。"
      : "您未同意公开：这条建议不在公开页面和附近建议中展示。";
    $("consent").textContent = value ? "撤回公开同意" : "同意公开";
    $("consent-question").textContent = value
      ? "确定撤回公开同意？撤回后这条建议立即不再公开展示，其他群众也不能再关注。"
      : "确定同意公开？同意后，这条建议去除个人信息后可公开展示。";
    $("consent-yes").textContent = value ? "确定撤回" : "确定同意";
  }

  $("consent-yes").addEventListener("click", async function () {
    if ($("consent-yes").disabled) return;
    MSB.showError($("consent-error"), "");
    $("consent-yes").disabled = $("consent-no").disabled = true;
    var answer = await MSB.api("POST", "/api/v1/suggestions/" + encodeURIComponent(id) + "/public-consent",
                               { json: { public_consent: !consented } });
    $("consent-yes").disabled = $("consent-no").disabled = false;
    if (!answer.ok) {
      MSB.showError($("consent-error"), answer.message);
      return $("consent-yes").focus();
    }
    askConsent(false);
    MSB.showError($("load-error"), "");
    render(answer.data);
    $("consent").focus();
  });

  // 撤回, asked in the page first (确定撤回 / 再想想).
  var askToWithdraw = MSB.askFirst($("withdraw"), $("withdraw-confirm"), $("withdraw-yes"), $("withdraw-no"),
                                   $("withdraw-error"));

  function withdrawing(sending) {
    $("withdraw-yes").disabled = sending;
    $("withdraw-no").disabled = sending;
    $("withdraw-yes").textContent = sending ? "正在撤回…" : "确定撤回";
  }

  $("withdraw-yes").addEventListener("click", async function () {
    if ($("withdraw-yes").disabled) return;
    MSB.showError($("withdraw-error"), "");
    withdrawing(true);
    var answer = await MSB.api("POST", "/api/v1/suggestions/" + encodeURIComponent(id) + "/withdraw",
                               { idempotencyKey: withdrawKey });
    withdrawing(false);
    if (!answer.ok) {
      // Refused because the item moved on (withdrawn in another tab, refused by the station): the page
      // shows where it stands, with the reason at its top; otherwise the reason is said by the buttons,
      // and the focus, lost while they were disabled, is back on 确定撤回 to try again.
      await refusedStep(answer, $("withdraw-error"));
      if (!$("withdraw-confirm").hidden) $("withdraw-yes").focus();
      return;
    }
    MSB.showError($("load-error"), "");
    render(answer.data);
  });

  load();
})();
