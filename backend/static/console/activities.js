/* Console, an activity's pages: the edit page's paged roster and the live attendance view. (Confirmations and
 * one-click buttons are console/forms.js's, on every page.) */
(function () {
  "use strict";

  // 编辑: the invited deputies' list is paged and filtered on the server. Turning a page or filtering
  // carries the deputies ticked to be taken off (移出) along in the address, so ticks made on several
  // pages are saved together; other changes not saved yet are asked about before they are left.
  var roster = document.getElementById("edit-roster");
  if (roster) {
    var editForm = roster.closest("form");
    var filter = document.getElementById("roster-filter");
    var others = function () {
      var data = new FormData(editForm);
      data.delete("remove_deputy_ids");
      return new URLSearchParams(data).toString();
    };
    // The same, as the server drew the form (each field's default), not as it is when this script runs: on
    // a busy PC the administrator may have typed before then, and that change is asked about too.
    var drawn = function () {
      var data = new URLSearchParams();
      Array.prototype.forEach.call(editForm.elements, function (field) {
        if (!field.name || field.disabled || field.name === "remove_deputy_ids" || field.tagName === "BUTTON" ||
            field.tagName === "FIELDSET" || ["submit", "button", "reset", "image", "file"].indexOf(field.type) !== -1) {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.defaultChecked) {
            data.append(field.name, field.value);
          }
        } else if (field.tagName === "SELECT") {
          var chosen = Array.prototype.filter.call(field.options, function (o) { return o.defaultSelected; });
          if (!chosen.length && !field.multiple && field.options.length) {
            chosen = [field.options[0]];  // none marked: the browser shows the first
          }
          chosen.forEach(function (o) { data.append(field.name, o.value); });
        } else {
          data.append(field.name, field.defaultValue);
        }
      });
      return data.toString();
    };
    var opened = drawn();
    var go = function (address) {
      if (others() !== opened && !window.confirm("翻页或查找将放弃尚未保存的修改（勾选的移出除外），确定继续吗？")) {
        return;
      }
      var target = new URL(address, window.location.href);
      target.searchParams.delete("remove_deputy_ids");
      editForm.querySelectorAll('input[name="remove_deputy_ids"]').forEach(function (box) {
        if (box.type === "hidden" || box.checked) {
          target.searchParams.append("remove_deputy_ids", box.value);
        }
      });
      window.ConsoleUnsaved.leave();  // asked above in its own words; the ticks to take off go along
      window.location.assign(target.toString());
    };
    roster.querySelectorAll("[data-roster-pager] a, a[data-roster-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        go(link.href);
      });
    });
    filter.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = new URL(filter.action, window.location.href);
      new FormData(filter).forEach(function (value, key) {
        if (value) {
          target.searchParams.set(key, value);
        }
      });
      go(target.toString());
    });
  }

  // 结单's confirmation, as console/activities.py close_confirmation words it: who will be 缺席 and who never
  // answered; before check-in closes (the form's data-checkin-closes-at), when it does and how many have not
  // checked in, and the form's ``early`` confirms closing early.
  function closeConfirmation(form, summary) {
    var absent = summary.invited + summary.accepted;
    var early = absent > 0 && Date.now() <= Date.parse(form.getAttribute("data-checkin-closes-at"));
    form.elements.early.value = early ? "1" : "";
    var text = "";
    if (early) {
      text = "签到尚未截止（" + form.getAttribute("data-checkin-closes") + " 截止），仍有 " + absent + " 位代表未签到" +
        (summary.accepted ? "（其中已接单 " + summary.accepted + " 位）" : "") + "。";
    }
    text += "结单后，已签到的代表计入积分，未请假未签到的代表记为缺席并按评分细则扣分。";
    if (absent && !early) {
      text += "目前有 " + absent + " 位代表将记为缺席" +
        (summary.invited ? "，其中 " + summary.invited + " 位从未接单或请假" : "") + "。";
    }
    return text + (early ? "确定提前结单吗？" : "确定结单吗？");
  }

  // 取消活动's confirmation (cancel_confirmation): with deputies checked in, how many, and the form's
  // ``void_checkins`` confirms voiding their check-ins.
  function cancelConfirmation(form, summary) {
    var checkedIn = summary.checked_in;
    form.elements.void_checkins.value = checkedIn ? "1" : "";
    return (checkedIn ? "已有 " + checkedIn + " 位代表签到，取消后他们的签到作废、不计积分（将通知他们）。" : "") +
      form.getAttribute("data-confirm-base");
  }

  var section = document.getElementById("attendance");
  if (!section || section.getAttribute("data-live") !== "true") {
    return;
  }
  // The page of the list shown, as filtered (status, name, page): the page's address for it carries them
  // (a refused 补签's page is at the form's address, its filter in the form).
  var url = section.getAttribute("data-url");
  var rows = document.getElementById("att-rows");
  var empty = document.getElementById("att-empty");
  var errorLine = section.querySelector(".att-error");
  var timer = null;

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text || "";
    if (className) {
      td.className = className;
    }
    return td;
  }

  function fillStatus(td, p) {
    var badge = document.createElement("span");
    badge.className = "badge p-" + p.status;
    badge.textContent = p.status_label;
    td.replaceChildren(badge);
  }

  // The check-in time, and for a 补签 the mark, the reason and who made it; for a scan where it was made
  // (联络站码签到，距活动地点约 N 米; 联络站码签到，未定位; 现场码签到).
  function fillTime(td, p) {
    td.replaceChildren(document.createTextNode(p.checked_in_at || ""));
    if (!p.by_hand && !p.checkin_note) {
      return;
    }
    var note = document.createElement("small");
    note.className = "muted checkin-note";
    if (!p.by_hand) {
      note.textContent = p.checkin_note;
      td.append(document.createElement("br"), note);
      return;
    }
    var mark = document.createElement("span");
    mark.className = "badge by-hand";
    mark.textContent = "补签";
    note.textContent = p.checkin_note + (p.checkin_by ? "（" + p.checkin_by + "）" : "");
    td.append(" ", mark, document.createElement("br"), note);
  }

  // Rows are updated in place, so a 补签 reason being typed keeps its text and focus; a row's 补签 form goes
  // once the deputy can no longer be checked in by hand. A deputy invited or taken off since (编辑), or who
  // entered or left the status filtered for (a scan), gets a row or loses theirs.
  function render(data) {
    var current = {};
    data.participants.forEach(function (p) { current[String(p.deputy_id)] = true; });
    rows.querySelectorAll("tr[data-deputy]").forEach(function (tr) {
      if (!current[tr.getAttribute("data-deputy")]) {
        tr.remove();
      }
    });
    document.getElementById("att-checked").textContent = data.checked_in;
    document.getElementById("att-expected").textContent = data.expected;
    document.getElementById("att-declined").textContent = data.declined;
    var places = document.getElementById("open-slots");
    if (places && data.open_slots !== null) {
      places.textContent = "已揭榜 " + data.claimed_count + " / " + data.open_slots +
        (data.claimed_count >= data.open_slots ? "（名额已满）" : "");
    }
    var closeForm = document.getElementById("close-form");
    if (closeForm && data.summary) {  // the confirmation counts who will be 缺席 as they stand now
      closeForm.setAttribute("data-confirm", closeConfirmation(closeForm, data.summary));
    }
    var cancelForm = document.getElementById("cancel-form");
    if (cancelForm && data.summary) {  // and 取消's who checked in
      cancelForm.setAttribute("data-confirm", cancelConfirmation(cancelForm, data.summary));
    }
    section.querySelectorAll("#att-summary [data-key]").forEach(function (el) {
      el.textContent = data.summary[el.getAttribute("data-key")];
    });
    empty.hidden = data.participants.length > 0;
    // The pager counts the list as the page opened: once that count is out of date, say so.
    document.getElementById("att-changed").hidden =
      String(data.page.total) === document.getElementById("att-pager").getAttribute("data-total");
    data.participants.forEach(function (p) {
      var tr = rows.querySelector('tr[data-deputy="' + p.deputy_id + '"]');
      if (!tr) {
        tr = document.createElement("tr");
        tr.setAttribute("data-deputy", p.deputy_id);
        var name = cell(p.name);
        if (p.claimed) {
          var claimed = document.createElement("span");
          claimed.className = "badge claimed";
          claimed.textContent = "揭榜";
          name.append(" ", claimed);
        }
        tr.append(name, cell(p.level_label), cell("", "att-status"), cell("", "att-time"), cell("", "att-reason"));
        if (rows.querySelector("td.att-hand")) {
          tr.append(cell("", "att-hand"));  // 补签 for a deputy added meanwhile: after a reload of the page
        }
        rows.appendChild(tr);
      }
      fillStatus(tr.querySelector(".att-status"), p);
      fillTime(tr.querySelector(".att-time"), p);
      tr.querySelector(".att-reason").textContent = p.decline_reason || "";
      var hand = tr.querySelector(".att-hand form");
      if (hand && !p.can_check_in) {
        hand.remove();
      }
    });
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) {
          var refused = new Error(response.status === 404 ? "活动已不存在。" : "刷新失败，请检查网络或重新登录。");
          refused.ours = true;
          throw refused;
        }
        return response.json();
      })
      .then(function (data) {
        errorLine.hidden = true;
        render(data);
        if (data.status !== "published") {
          window.clearInterval(timer);
          // Closed or cancelled elsewhere: the page's own address shows the summary (a refused 补签's
          // page is at the form's address, which a reload would post again).
          window.location.replace(section.getAttribute("data-page"));
        }
      })
      .catch(function (error) {
        // Ours say why in Chinese; the browser's own (no network: "Failed to fetch") never reach the page.
        errorLine.textContent = error && error.ours ? error.message : "刷新失败，请检查网络或重新登录。";
        errorLine.hidden = false;
      });
  }

  timer = window.setInterval(refresh, 5000);
})();
