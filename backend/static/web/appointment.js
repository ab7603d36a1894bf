/* /appointments/{id}: the private page of an appointment (约见代表) — its status, the meeting once
 * confirmed, the answer, and 取消约见 while the citizen may still cancel. */
(function () {
  "use strict";

  var MSB = window.MSB;
  var root = document.getElementById("appointment");
  if (!root || !MSB) return;

  var $ = function (id) { return document.getElementById(id); };
  var id = root.dataset.id;
  var path = "/api/v1/appointments/" + encodeURIComponent(id);
  // What the page says under the status, and what the answer's words are, for each status.
  var STATUS_NOTES = {
    requested: "已提交，等待代表或联络站确认。确认后，见面时间和地点会显示在本页。",
    confirmed: "见面时间和地点已确认，请按时前往。",
    declined: "代表或联络站暂时无法安排这次约见。",
    cancelled: "您已取消这次约见。",
    completed: "代表已接待，感谢您的参与。"
  };
  var ANSWER_TITLES = { confirmed: "留言", declined: "婉拒理由", cancelled: "取消原因", completed: "接待情况" };

  function noAccess() {
    MSB.show($("loading"), false);
    MSB.show($("detail"), false);
    MSB.show($("cancel-card"), false);
    MSB.show($("no-access"), true);
  }

  function target(item) {
    if (item.deputy) return item.deputy.name + " 代表" + (item.station ? "（" + item.station.name + "）" : "");
    return item.station ? item.station.name + "（由联络站安排代表接待）" : "";
  }

  function render(item) {
    MSB.show($("loading"), false);
    MSB.show($("no-access"), false);
    MSB.show($("detail"), true);
    $("a-number").textContent = item.number;
    var status = $("a-status");
    var shown = MSB.statusOf(item);
    status.textContent = shown.label;
    status.className = shown.className;
    $("a-created").textContent = "提交于 " + MSB.formatTime(item.created_at);
    $("a-status-note").textContent = STATUS_NOTES[item.status] || "";

    // The meeting: shown once a time is set (and kept on the page of one that took place).
    var meeting = item.meet_at && (item.status === "confirmed" || item.status === "completed");
    MSB.show($("a-meeting"), !!meeting);
    $("a-meet-at").textContent = meeting ? MSB.formatSpan(item.meet_at) : "";
    $("a-place").textContent = meeting ? (item.place || "待通知") : "";
    var by = $("a-confirmed-by");
    by.textContent = item.status === "confirmed" && item.answered_by ? "由" + item.answered_by + "代表确认" : "";
    MSB.show(by, !!by.textContent);

    var title = ANSWER_TITLES[item.status];
    MSB.show($("a-answer"), !!(title && item.answer));
    $("a-answer-title").textContent = title || "";
    $("a-answer-text").textContent = item.answer || "";
    $("a-answer").classList.toggle("declined", item.status === "declined" || item.status === "cancelled");

    $("a-target").textContent = target(item);
    if (item.activity) {
      $("a-when-label").textContent = "接待安排";
      $("a-when").textContent = MSB.formatSpan(item.activity.starts_at, item.activity.ends_at) +
        (item.activity.place ? " · " + item.activity.place : "") +
        (item.activity.status === "cancelled"
          ? (item.status === "requested" ? "（该接待日已取消，联络站将另行安排）" : "（该接待日已取消）") : "");
    } else {
      $("a-when-label").textContent = "希望时间";
      $("a-when").textContent = item.preferred_time;
    }
    Array.prototype.forEach.call(document.querySelectorAll(".a-name"), function (node) { MSB.show(node, !!item.name); });
    $("a-name").textContent = item.name || "";
    $("a-phone").textContent = item.contact_phone || "";
    $("a-topic").textContent = item.topic;

    var cancellable = (item.actions || []).indexOf("cancel") !== -1;
    MSB.show($("cancel-card"), cancellable);
    if (!cancellable) askToCancel(false);
  }

  async function load() {
    MSB.started();
    if (!MSB.hasIdentity()) return noAccess();
    MSB.show($("loading"), true);
    var answer = await MSB.api("GET", path);
    if (answer.ok) return render(answer.data);
    if (answer.status === 404 || answer.status === 403 || answer.status === 401) return noAccess();
    MSB.show($("loading"), false);
    MSB.showError($("load-error"), answer.message);
  }

  // --- 取消约见, asked twice -------------------------------------------------------------------

  var askToCancel = MSB.askFirst($("cancel"), $("cancel-confirm"), $("cancel-yes"), $("cancel-no"), $("cancel-error"));

  // One Idempotency-Key for the cancellation, kept for a retry after a lost answer (as 撤回 and 评价 on
  // /track/): the server answers the retry with what the first request did, not 约见已取消，不能取消约见。
  var cancelKey = MSB.randomKey();

  $("cancel-yes").addEventListener("click", async function () {
    var button = $("cancel-yes");
    button.disabled = true;
    button.textContent = "正在取消…";
    var answer = await MSB.api("POST", path + "/cancel", {
      json: { note: $("cancel-note").value.trim() }, idempotencyKey: cancelKey
    });
    button.disabled = false;
    button.textContent = "确认取消约见";
    if (!answer.ok) {
      // Answered meanwhile (confirmed, declined): the page shows where it stands now, with the reason.
      MSB.showError($("cancel-error"), answer.message);
      if (answer.status === 409) {
        var fresh = await MSB.api("GET", path);
        if (fresh.ok) {
          render(fresh.data);
          // Cancelled already (the first request arrived, its answer lost; the note changed since): what
          // the citizen asked for, no refusal.
          if (fresh.data.status === "cancelled") {
            MSB.showError($("cancel-error"), "");
            return window.scrollTo(0, 0);
          }
          MSB.showError($("load-error"), answer.message);
        }
      }
      return;
    }
    cancelKey = MSB.randomKey();
    $("cancel-note").value = "";
    render(answer.data);
    window.scrollTo(0, 0);
  });

  load();
})();
