/* /livelihood/propose: 群众下单 in a phone browser — a proposal of a livelihood project to a congress
 * (POST /api/v1/livelihood/proposals with the browser's identity, as the filing form files), then
 * 我的民生建议. A retry, or the draft after a reload, goes with the same Idempotency-Key (MSB.sendOnce). */
(function () {
  "use strict";

  var MSB = window.MSB;
  var form = document.getElementById("lv-form");
  if (!form || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };
  var MAX_CHARS = 1000;
  var FIELD_LABELS = { region_id: "向哪一级人大提出", title: "项目名称", content: "项目内容", contact_phone: "联系电话" };
  var DRAFT = "livelihood";

  var region = $("lv-region_id");
  var title = $("lv-title");
  var content = $("lv-content");
  var counter = $("lv-counter");
  var phone = $("lv-contact_phone");
  var formError = $("lv-error");
  var submit = $("lv-submit");
  var draftNotice = $("lv-draft-notice");
  var draftKept = $("lv-draft-kept");

  MSB.started();
  var postedNotice = $("lv-posted-notice");  // the page came back from a post made without this script
  if (postedNotice) postedNotice.remove();

  var updateCounter = MSB.charCounter(content, counter, MAX_CHARS);

  function setFieldError(field, message) { MSB.setFieldError("lv-" + field, message); }

  function clearFieldErrors() {
    Object.keys(FIELD_LABELS).forEach(function (field) { setFieldError(field, ""); });
  }

  /* A mistake in one field: said under the field, and above the submit button naming the field. */
  function showFieldError(field, message) {
    if (!FIELD_LABELS[field]) return MSB.showError(formError, message);
    setFieldError(field, message);
    var label = FIELD_LABELS[field];
    MSB.showError(formError, message.indexOf(label) === -1 ? label + "：" + message : message);
    var control = $("lv-" + field);
    if (control) control.focus();
  }

  [region, title, content, phone].forEach(function (control) {
    control.addEventListener(control === region ? "change" : "input", function () { setFieldError(control.id.slice(3), ""); });
  });

  MSB.restoreDone("lv-", $("lv-card"));

  var busy = MSB.sendingState(form, submit);

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (submit.disabled) return;
    MSB.show(draftNotice, false);
    MSB.show(draftKept, false);
    MSB.showError(formError, "");
    clearFieldErrors();
    var number = MSB.phoneNumber(phone.value);
    if (!region.value) return showFieldError("region_id", "请选择向哪一级人大提出。");
    if (!title.value.trim()) return showFieldError("title", "请填写项目名称。");
    if (!content.value.trim()) return showFieldError("content", "请填写项目内容。");
    if (number && MSB.phoneMistake(form, number)) return showFieldError("contact_phone", MSB.phoneMistake(form, number));

    var body = { region_id: parseInt(region.value, 10), title: title.value.trim(), content: content.value.trim() };
    if (number) body.contact_phone = number;
    busy(true);
    var answer = await MSB.sendOnce(DRAFT, "/api/v1/livelihood/proposals", body);
    busy(false);
    if (!answer.ok) {
      MSB.showRefusal(answer, showFieldError, formError);
      return;
    }
    typed.forget();
    MSB.showDone("lv-", $("lv-card"), answer.data.title, "/livelihood/mine");
  });

  // What is typed is kept in the tab as it is typed (MSB.keepDraft): a reload gives it back.
  var typed = MSB.keepDraft(form, DRAFT);

  /* The form as the citizen left it, with a notice: as last typed (MSB.keepDraft), or else as last sent
   * when its answer never came; sent again, changed or not, that one goes with the same Idempotency-Key
   * (MSB.sendOnce). */
  function restoreDraft() {
    if (postedNotice || !$("lv-done").hidden) return;
    var kept = MSB.unsent(DRAFT);
    var last = typed.restore();
    if (!kept && !last) return;
    if (!last) {
      var body = kept.body;
      if (region.querySelector('option[value="' + body.region_id + '"]')) region.value = String(body.region_id);
      title.value = body.title || "";
      content.value = body.content || "";
      phone.value = body.contact_phone || "";
      updateCounter();
    }
    MSB.show(kept ? draftNotice : draftKept, true);
  }
  restoreDraft();
})();
