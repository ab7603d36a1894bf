/* /q/{code}: 约见代表 — the tab bar between the two services, and the form asking to meet a deputy
 * (POST /api/v1/appointments with the browser's identity, as the filing form files). */
(function () {
  "use strict";

  var MSB = window.MSB;
  var form = document.getElementById("appt-form");
  if (!form || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };
  var MAX_CHARS = 500;
  // The API's fields, in the order of the form, and what they are called there.
  var FIELD_LABELS = {
    topic: "约见事项", activity_id: "见面时间", preferred_time: "希望见面的时间", name: "称呼", contact_phone: "联系电话"
  };

  var topic = $("appt-topic");
  var counter = $("appt-counter");
  var days = $("appt-activity_id");  // the reception days to choose from; absent when the plan is empty
  var preferredField = $("appt-preferred-field");
  var preferred = $("appt-preferred_time");
  var phone = $("appt-contact_phone");
  var formError = $("appt-error");
  var submit = $("appt-submit");
  var draftNotice = $("appt-draft-notice");
  var draftKept = $("appt-draft-kept");
  var DRAFT = "appointment." + form.dataset.code;  // the request's Idempotency-Key is kept with it (MSB.keyFor)

  MSB.started();
  var postedNotice = $("appt-posted-notice");  // the page came back from a post made without this script
  if (postedNotice) postedNotice.remove();

  // --- the tab bar: one service at a time --------------------------------------------------------

  var panels = { file: $("file-panel"), appt: $("appt-panel") };
  var tabs = { file: $("tab-file"), appt: $("tab-appt") };

  function choose(name, remember) {
    Object.keys(panels).forEach(function (key) {
      MSB.show(panels[key], key === name);
      if (key === name) tabs[key].setAttribute("aria-current", "true"); else tabs[key].removeAttribute("aria-current");
    });
    if (remember && window.history.replaceState) {
      // The entry's state is kept: it may hold what was just sent (MSB.showDone).
      window.history.replaceState(window.history.state, "",
        name === "appt" ? "#appt-panel" : window.location.pathname + window.location.search);
    }
  }

  Object.keys(tabs).forEach(function (key) {
    tabs[key].setAttribute("aria-controls", panels[key].id);
    tabs[key].addEventListener("click", function (event) {
      event.preventDefault();
      choose(key, true);
    });
  });
  choose(window.location.hash === "#appt-panel" || postedNotice ? "appt" : "file", false);

  // --- the topic and its counter ------------------------------------------------------------------

  var updateCounter = MSB.charCounter(topic, counter, MAX_CHARS);

  // --- a reception day from the plan, or a time the citizen suggests -----------------------------

  function chosenDay() {
    var checked = form.querySelector("input[name=activity_id]:checked");
    return checked ? checked.value : "";
  }

  /* With a plan, the free-text time is asked for only when 其他时间 is chosen. */
  function refreshPreferred() {
    if (!days) return;
    MSB.show(preferredField, chosenDay() === "other");
  }
  if (days) {
    days.addEventListener("change", function () {
      setFieldError("activity_id", "");
      refreshPreferred();
      if (chosenDay() === "other") preferred.focus();
    });
  }
  refreshPreferred();

  // --- field errors ---------------------------------------------------------------------------

  function setFieldError(field, message) { MSB.setFieldError("appt-" + field, message); }

  function clearFieldErrors() {
    Object.keys(FIELD_LABELS).forEach(function (field) { setFieldError(field, ""); });
  }

  /* Mistakes in fields, [[field, message], ...]: each said under its field, and above the submit button
   * naming them (MSB.showFieldErrors); one about no field of the form is said above the button only. */
  function showFieldErrors(mistakes) {
    var other = mistakes.filter(function (mistake) { return !FIELD_LABELS[mistake[0]]; })[0];
    if (other) return MSB.showError(formError, other[1]);
    mistakes = mistakes.map(function (mistake) {
      return mistake[0] === "preferred_time" && days && chosenDay() !== "other" ? ["activity_id", mistake[1]] : mistake;
    });
    MSB.showFieldErrors(mistakes, FIELD_LABELS, setFieldError, formError, function (field) {
      return field === "activity_id" ? days.querySelector("input") : $("appt-" + field);
    });
  }

  function showFieldError(field, message) { showFieldErrors([[field, message]]); }

  [topic, preferred, $("appt-name"), phone].forEach(function (control) {
    control.addEventListener("input", function () { setFieldError(control.id.slice(5), ""); });
  });

  // --- sending ----------------------------------------------------------------------------------

  MSB.restoreDone("appt-", $("appt-card"));

  var busy = MSB.sendingState(form, submit);

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (submit.disabled) return;
    MSB.show(draftNotice, false);
    MSB.show(draftKept, false);
    MSB.showError(formError, "");
    clearFieldErrors();
    var day = chosenDay();
    var when = preferred.value.trim();
    var number = MSB.phoneNumber(phone.value);
    // Every mistake the page can see is said at once, not one per submit.
    var mistakes = [];
    if (!topic.value.trim()) mistakes.push(["topic", "请填写约见事项。"]);
    if (days && !day) mistakes.push(["activity_id", "请选择接待安排，或选择“其他时间”并填写希望见面的时间。"]);
    else if ((!days || day === "other") && !when) mistakes.push(["preferred_time", "请填写希望见面的时间。"]);
    if (!number) mistakes.push(["contact_phone", "请填写联系电话，便于确认见面安排。"]);
    else if (MSB.phoneMistake(form, number)) mistakes.push(["contact_phone", MSB.phoneMistake(form, number)]);
    if (mistakes.length) return showFieldErrors(mistakes);

    var body = { qr_code: form.dataset.code, topic: topic.value, contact_phone: number };
    var name = $("appt-name").value.trim();
    if (name) body.name = name;
    if (day && day !== "other") body.activity_id = parseInt(day, 10);
    else body.preferred_time = when;

    // Sent again (a retry, or after a reload), changed or not, it goes with the same key: asked once
    // (MSB.sendOnce; ``earlier``: the first request, made before the change).
    busy(true);
    var answer = await MSB.sendOnce(DRAFT, "/api/v1/appointments", body);
    busy(false);
    if (!answer.ok) {
      MSB.showRefusal(answer, showFieldError, formError);
      return;
    }
    typed.forget();
    MSB.show($("appt-done-earlier"), !!answer.earlier);
    MSB.showDone("appt-", $("appt-card"), answer.data.number, "/appointments/" + answer.data.id);
  });

  // What is typed is kept in the tab as it is typed (MSB.keepDraft): a reload gives it back.
  var typed = MSB.keepDraft(form, DRAFT);

  /* The form as the citizen left it, on its tab with a notice: as last typed (MSB.keepDraft), or else as
   * last sent when its answer never came; sent again, changed or not, that one goes with the same
   * Idempotency-Key (MSB.sendOnce). */
  function restoreDraft() {
    if (postedNotice || !$("appt-done").hidden) return;
    var kept = MSB.unsent(DRAFT);
    var last = typed.restore();
    if (!kept && !last) return;
    if (!last) {
      var body = kept.body;
      topic.value = body.topic || "";
      updateCounter();
      $("appt-name").value = body.name || "";
      phone.value = body.contact_phone || "";
      preferred.value = body.preferred_time || "";
      if (days) {
        // A reception day no longer in the plan is left unchosen: the citizen chooses again.
        var value = body.activity_id ? String(body.activity_id) : "other";
        Array.prototype.forEach.call(days.querySelectorAll("input[name=activity_id]"), function (input) {
          input.checked = input.value === value;
        });
      }
    }
    refreshPreferred();
    // The filing's own restored draft, if any, keeps its tab; otherwise this one is shown.
    var filingNotice = $("draft-notice"), filingKept = $("draft-kept");
    if ((!filingNotice || filingNotice.hidden) && (!filingKept || filingKept.hidden)) choose("appt", true);
    MSB.show(kept ? draftNotice : draftKept, true);
  }
  restoreDraft();
})();
