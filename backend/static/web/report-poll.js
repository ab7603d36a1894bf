/* /report-poll/{token}: 述职测评 in a phone browser — a rating of each reporting deputy and an optional
 * comment, sent with the browser's identity (POST /api/v1/report-polls/{token}/ballots). A retry, or the
 * same choices after a reload, goes with the same Idempotency-Key (MSB.sendOnce). A browser that has voted
 * (GET …/report-polls/{token} says ``voted``) sees that instead of the form. 凭票测评: the ballot carries the
 * ticket's code (#rp-ticket), filled in from the link of the ticket's QR (…#t=CODE: the part after # never
 * reaches the server's logs) or typed from the ticket. */
(function () {
  "use strict";

  var MSB = window.MSB;
  if (!MSB) return;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("rp-form");
  if (!form) return;
  var token = form.dataset.token;
  var DRAFT = "report-poll-" + token;
  MSB.newIdentity = { report_poll: token };  // a meeting's voters share the hall's address: counted apart
  var submit = $("rp-submit");
  var formError = $("rp-error");
  var comment = $("rp-comment");
  var busy = MSB.sendingState(form, submit);
  var deputies = Array.prototype.slice.call(form.querySelectorAll(".rp-deputy"));
  var ticket = $("rp-ticket");
  var TICKET_USED = "此测评票已使用。";

  if (ticket) {
    var scanned = /(?:^#|&)t=([A-Za-z0-9-]{1,32})/.exec(window.location.hash);
    if (scanned) ticket.value = scanned[1];
    ticket.addEventListener("input", function () { MSB.setFieldError("rp-ticket", ""); });
  }

  MSB.started();
  MSB.charCounter(comment, $("rp-counter"), 200);

  function finish(voted) {
    MSB.show($("rp-card"), false);
    MSB.show($(voted ? "rp-voted" : "rp-thanks"), true);
  }

  function choices() {
    return deputies.map(function (box) {
      var picked = box.querySelector("input:checked");
      return { deputy_id: parseInt(box.dataset.deputy, 10), choice: picked ? picked.value : null };
    });
  }

  deputies.forEach(function (box) {
    box.addEventListener("change", function () { MSB.setFieldError(box.id, ""); });
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (submit.disabled) return;
    MSB.showError(formError, "");
    if (ticket && !ticket.value.trim()) {
      MSB.setFieldError("rp-ticket", "请输入测评票上的票号。");
      MSB.showError(formError, "本次测评凭票参加，请输入测评票上的票号。");
      ticket.focus();
      return;
    }
    var picked = choices();
    var missing = deputies.filter(function (box, i) { return !picked[i].choice; });
    deputies.forEach(function (box) { MSB.setFieldError(box.id, ""); });
    if (missing.length) {
      missing.forEach(function (box) { MSB.setFieldError(box.id, "请选择对" + box.dataset.name + "的评价。"); });
      MSB.showError(formError, "请对每位述职代表作出评价，还有" + missing.map(function (b) { return b.dataset.name; }).join("、") + "未评价。");
      missing[0].querySelector("input").focus();
      return;
    }
    var body = { choices: picked, comment: comment.value.trim() };
    if (ticket) body.ticket = ticket.value.trim();
    busy(true);
    var answer = await MSB.sendOnce(DRAFT, "/api/v1/report-polls/" + token + "/ballots", body);
    busy(false);
    if (answer.ok) return finish(false);
    if (answer.status === 409 && answer.message === "您已参加测评。") return finish(true);
    if (ticket && ((answer.status === 422 && answer.errors && answer.errors.ticket) ||
                   (answer.status === 409 && answer.message === TICKET_USED))) {
      var said = answer.errors && answer.errors.ticket ? answer.errors.ticket[0] : answer.message;
      MSB.setFieldError("rp-ticket", said);
      ticket.focus();
      return MSB.showError(formError, said);
    }
    if (answer.status === 422 && answer.errors && answer.errors.comment) {
      MSB.setFieldError("rp-comment", answer.errors.comment[0]);
      return MSB.showError(formError, "意见建议：" + answer.errors.comment[0]);
    }
    if (answer.error === "identity" && answer.limited) {
      // This phone never sent anything: the hall's address has made too many new identities.
      return MSB.showError(formError, "本场参加测评的人数较多，暂时无法为本机登记测评身份。请稍后重试，或改用手机流量扫码，也可联系会场工作人员。");
    }
    MSB.showError(formError, answer.message);
  });

  /* Choices whose answer never came before a reload: as they were sent. */
  var kept = MSB.unsent(DRAFT);
  if (kept) {
    (kept.body.choices || []).forEach(function (c) {
      var input = form.querySelector('input[name="deputy-' + c.deputy_id + '"][value="' + c.choice + '"]');
      if (input) input.checked = true;
    });
    comment.value = kept.body.comment || "";
    if (ticket && kept.body.ticket) ticket.value = kept.body.ticket;
    MSB.show($("rp-draft-notice"), true);
  }

  if (MSB.hasIdentity()) {
    MSB.api("GET", "/api/v1/report-polls/" + token).then(function (answer) {
      if (answer.ok && answer.data.voted) finish(true);
    });
  }
})();
