/* /public/consultations/{id}: 立法意见征集 in a phone browser — an opinion on a draft regulation, on one
 * article or the whole (POST /api/v1/consultations/{id}/opinions with the browser's identity, as the
 * filing form files), then 我的意见 with the feedback given (GET /api/v1/consultations/my-opinions).
 * A retry, or the draft after a reload, changed or not, goes with the same Idempotency-Key (MSB.sendOnce). */
(function () {
  "use strict";

  var MSB = window.MSB;
  if (!MSB) return;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("cs-form");
  var mineCard = $("cs-mine-card");
  var consultationId = form ? form.dataset.consultation : (mineCard && window.location.pathname.split("/").pop());

  MSB.started();

  /* 我的意见: this browser's opinions on this draft, newest first, with the answer once given, a page at a
   * time (MSB.pager: 加载更多 while there are more). */
  function addOpinion(item) {
    var li = MSB.el("li", "cs-opinion");
    var head = MSB.el("div", "item-head");
    head.appendChild(MSB.el("strong", "cs-opinion-article", item.article_number || "对草案整体"));
    head.appendChild(MSB.el("span", "badge " + (item.feedback ? "status-closed" : "status-pending"),
                            item.feedback_label || "待反馈"));
    li.appendChild(head);
    li.appendChild(MSB.el("p", "item-text", item.content));
    li.appendChild(MSB.el("p", "small muted", MSB.formatTime(item.created_at)));
    if (item.feedback_note) li.appendChild(MSB.el("p", "small cs-feedback", "反馈：" + item.feedback_note));
    $("cs-mine").appendChild(li);
  }

  var mine = $("cs-mine") && MSB.pager({
    url: "/api/v1/consultations/my-opinions?consultation_id=" + consultationId, more: $("cs-more"), add: addOpinion,
    loading: $("cs-loading"), error: $("cs-load-error"),
    done: function (shown) {
      MSB.show($("cs-mine"), shown > 0);
      MSB.show($("cs-empty"), shown === 0);
    }
  });

  /* 我的意见 read again from its first page (after an opinion is given). */
  async function loadMine() {
    if (!mine) return;
    $("cs-mine").textContent = "";
    mine.reset();
    if (!MSB.hasIdentity()) return MSB.show($("cs-empty"), true);
    await mine.load();
  }

  if (!form) {
    loadMine();
    return;
  }

  var MAX_CHARS = 2000;
  var FIELD_LABELS = { article_id: "针对哪一条", content: "意见和理由", contact_phone: "联系电话" };
  var DRAFT = "consultation-" + consultationId;

  var article = $("cs-article_id");
  var content = $("cs-content");
  var counter = $("cs-counter");
  var phone = $("cs-contact_phone");
  var formError = $("cs-error");
  var submit = $("cs-submit");
  var done = $("cs-done");
  var draftNotice = $("cs-draft-notice");
  var draftKept = $("cs-draft-kept");
  var postedNotice = $("cs-posted-notice");
  if (postedNotice) postedNotice.remove();

  var updateCounter = MSB.charCounter(content, counter, MAX_CHARS);

  function setFieldError(field, message) { MSB.setFieldError("cs-" + field, message); }

  function showFieldError(field, message) {
    if (!FIELD_LABELS[field]) return MSB.showError(formError, message);
    setFieldError(field, message);
    var label = FIELD_LABELS[field];
    MSB.showError(formError, message.indexOf(label) === -1 ? label + "：" + message : message);
    var control = $("cs-" + field);
    if (control) control.focus();
  }

  [article, content, phone].forEach(function (control) {
    control.addEventListener(control === article ? "change" : "input", function () {
      setFieldError(control.id.slice(3), "");
      MSB.show(done, false);
    });
  });

  /* 对第X条提意见 beside each article: the form, with that article chosen. */
  Array.prototype.forEach.call(document.querySelectorAll(".cs-on-article"), function (button) {
    button.addEventListener("click", function () {
      article.value = button.dataset.article;
      MSB.show(done, false);
      $("cs-card").scrollIntoView({ block: "start" });
      content.focus();
    });
  });

  var busy = MSB.sendingState(form, submit);

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (submit.disabled) return;
    MSB.show(draftNotice, false);
    MSB.show(draftKept, false);
    MSB.show(done, false);
    MSB.showError(formError, "");
    Object.keys(FIELD_LABELS).forEach(function (field) { setFieldError(field, ""); });
    var number = MSB.phoneNumber(phone.value);
    if (!content.value.trim()) return showFieldError("content", "请填写您的意见。");
    if (number && MSB.phoneMistake(form, number)) return showFieldError("contact_phone", MSB.phoneMistake(form, number));

    var body = { content: content.value.trim() };
    if (article.value) body.article_id = parseInt(article.value, 10);
    if (number) body.contact_phone = number;
    busy(true);
    var answer = await MSB.sendOnce(DRAFT, "/api/v1/consultations/" + consultationId + "/opinions", body);
    busy(false);
    if (!answer.ok) {
      MSB.showRefusal(answer, showFieldError, formError);
      return;
    }
    content.value = "";
    updateCounter();
    typed.forget();
    MSB.show(done, true);
    await loadMine();
  });

  // What is typed is kept in the tab as it is typed (MSB.keepDraft): a reload gives it back.
  var typed = MSB.keepDraft(form, DRAFT);

  /* The form as the citizen left it: as last typed, or else as last sent when its answer never came. */
  var kept = MSB.unsent(DRAFT);
  var last = postedNotice ? null : typed.restore();
  if (last) {
    MSB.show(kept ? draftNotice : draftKept, true);
  } else if (kept) {
    var body = kept.body;
    if (body.article_id && article.querySelector('option[value="' + body.article_id + '"]')) article.value = String(body.article_id);
    content.value = body.content || "";
    phone.value = body.contact_phone || "";
    updateCounter();
    MSB.show(draftNotice, true);
  }
  loadMine();
})();
