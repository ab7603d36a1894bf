/* Console, every page (console/base.html): the questions asked before forms whose effect cannot be undone
 * (data-confirm, which may quote the form's fields as "{name}"; data-confirm-untick), one-click submit
 * buttons (data-once), and the cursor put on the first field of a refused form.
 *
 * Loaded by the base template ahead of every other console script, and listening on the document while the
 * submission is still on its way down (capture): no page can leave a marked form without its question, a
 * form added later by a script is asked about too, and a declined question stops the submission before any
 * other script (unsaved.js, a page's own) sees it.
 */
(function () {
  "use strict";

  // What sending ``form`` asks first: its data-confirm, and for a box that was ticked when the page opened and
  // whose unticking cannot be undone (a deputy leaving office stops their printed code), its data-confirm-untick.
  var question = function (form) {
    var asked = [];
    if (form.hasAttribute("data-confirm")) {
      // Read now: a page may update it (结单's count); "{points}" is what the form's field "points" holds.
      asked.push(form.getAttribute("data-confirm").replace(/\{(\w+)\}/g, function (whole, name) {
        var field = form.elements.namedItem(name);
        return field && typeof field.value === "string" ? field.value.trim() : whole;
      }));
    }
    Array.prototype.forEach.call(form.querySelectorAll("input[data-confirm-untick]"), function (box) {
      if (box.defaultChecked && !box.checked) {
        asked.push(box.getAttribute("data-confirm-untick"));
      }
    });
    return asked;
  };

  // What was typed into a form being sent is kept in this tab until the next signed-in page: if the sign-in
  // ended meanwhile, the server sends the administrator through the sign-in page back to the form's page
  // marked "#draft" (console/__init__.py), where it is put back, by the same administrator only.
  var DRAFT = "console-draft";
  var TYPED = ["text", "number", "date", "datetime-local", "time", "tel", "email", "url", "search", ""];
  var user = document.body.getAttribute("data-user");
  var store = function () {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;  // storage refused (a locked-down browser): nothing is kept
    }
  };
  var typedField = function (field) {
    return field.name && field.name !== "csrf_token" && !field.disabled && !field.readOnly &&
      (field.tagName === "TEXTAREA" || (field.tagName === "SELECT" && !field.multiple) ||
       (field.tagName === "INPUT" && TYPED.indexOf(field.getAttribute("type") || "") !== -1));
  };
  // Ticked boxes and chosen radio buttons (a picker's deputies, 在任, 移出): kept by name and value.
  var tickField = function (field) {
    return field.name && !field.disabled && field.tagName === "INPUT" &&
      (field.type === "checkbox" || field.type === "radio");
  };
  var keepDraft = function (form) {
    var storage = store();
    if (!storage || !user || (form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    var fields = [];
    var ticks = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (typedField(field) && field.value !== field.defaultValue) {
        fields.push([field.name, field.value]);
      } else if (tickField(field) && field.checked !== field.defaultChecked) {
        ticks.push([field.name, field.value, field.checked]);
      }
    });
    storage.setItem(DRAFT, JSON.stringify({
      user: user, path: window.location.pathname, action: form.getAttribute("action") || "", fields: fields,
      ticks: ticks,
    }));
  };
  var putBack = function () {
    var storage = store();
    if (!storage || !user) {
      return;  // the sign-in page: the draft waits for the page after it
    }
    var draft = null;
    try {
      draft = JSON.parse(storage.getItem(DRAFT) || "null");
    } catch (e) {
      draft = null;
    }
    if (window.location.hash !== "#draft") {
      if (!document.querySelector('a[href$="#draft"]')) {
        storage.removeItem(DRAFT);  // kept while a page offers the way back to it (页面已过期)
      }
      return;
    }
    storage.removeItem(DRAFT);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    var ticks = (draft && draft.ticks) || [];
    if (!draft || draft.user !== user || draft.path !== window.location.pathname || !(draft.fields.length || ticks.length)) {
      return;
    }
    var form = Array.prototype.find.call(document.querySelectorAll("form[method=post], form[method=POST]"), function (f) {
      return (f.getAttribute("action") || "") === draft.action;
    });
    if (!form) {
      return;
    }
    var first = null;
    draft.fields.forEach(function (pair) {
      var field = form.elements.namedItem(pair[0]);
      if (field && typedField(field)) {
        field.value = pair[1];
        first = first || field;
      }
    });
    // The ticks once the page's other scripts are listening (a picker moves a ticked deputy to its chosen
    // list and counts it on "change"); one whose box is not on the page (a deputy found by searching) is
    // named as not put back, by the legend of its group.
    var retick = function () {
      var lost = [];
      ticks.forEach(function (tick) {
        var box = Array.prototype.find.call(form.elements, function (field) {
          return tickField(field) && field.name === tick[0] && field.value === tick[1];
        });
        if (!box) {
          var legend = form.querySelector('[data-name="' + tick[0] + '"] legend');
          lost.push(legend ? legend.textContent.trim() : "");
          return;
        }
        if (box.checked !== tick[2]) {
          box.checked = tick[2];
          box.dispatchEvent(new Event("change", { bubbles: true }));
        }
        first = first || box;
      });
      if (!first && !lost.length) {
        return;
      }
      var note = document.createElement("p");
      note.className = "flash flash-info";
      note.setAttribute("role", "status");
      note.textContent = "已放回您刚才填写但未能提交的内容，请核对后重新提交。" + (lost.length
        ? "其中 " + lost.length + " 项勾选" + (lost[0] ? "（" + lost.filter(function (name, i) {
          return name && lost.indexOf(name) === i;
        }).join("、") + "）" : "") + "未能放回，请重新选择。" : "");
      form.parentNode.insertBefore(note, form);
      if (first) {
        first.focus();
      }
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", retick);
    } else {
      retick();
    }
  };
  putBack();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var declined = question(form).some(function (words) { return !window.confirm(words); });
    if (declined) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    keepDraft(form);
    if (form.hasAttribute("data-once") || form.hasAttribute("data-confirm")) {
      // Disabled after the event, so the button's own value is still sent; not if a later script kept
      // the form from going (it looks something up first, say).
      window.setTimeout(function () {
        if (!event.defaultPrevented) {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }
      }, 0);
    }
  }, true);

  // Fields that belong to one choice of the form (data-shown-when="kind=region": the region to manage, for a
  // 区域管理员) show only while it is chosen; hidden, they are disabled, so neither asked for nor sent. Without
  // the script all show, and the server takes what the choice needs.
  document.querySelectorAll("[data-shown-when]").forEach(function (part) {
    var when = part.getAttribute("data-shown-when").split("=");
    var form = part.closest("form");
    var show = function () {
      var chosen = form.querySelector('input[name="' + when[0] + '"]:checked');
      part.hidden = !chosen || chosen.value !== when[1];
      part.querySelectorAll("input, select, textarea, button").forEach(function (field) {
        field.disabled = part.hidden;
      });
    };
    form.addEventListener("change", function (event) {
      if (event.target.name === when[0]) {
        show();
      }
    });
    show();
  });

  // A refused form came back as typed, each refused field marked invalid and described by its message
  // (console/field_macros.html): the cursor goes to the first of them, and the summary's links at the
  // top go to theirs. A refused group (the deputies or stations to tick, those to take off) takes it to
  // its first box of the kind refused (else its first control), read with the group's message too.
  var fieldOf = function (message) {
    var target = document.querySelector('[aria-describedby~="' + message.id + '"]');
    if (target && target.tagName === "FIELDSET") {
      var name = message.id.replace(/^field-/, "").replace(/-error$/, "");
      var usable = ":not([type=hidden]):not([disabled])";
      var box = target.querySelector('input[name="' + name + '"]' + usable) ||
        target.querySelector("input" + usable + ", select, textarea");
      if (box && (box.getAttribute("aria-describedby") || "").split(" ").indexOf(message.id) === -1) {
        box.setAttribute("aria-describedby", ((box.getAttribute("aria-describedby") || "") + " " + message.id).trim());
      }
      return box;
    }
    return target;
  };
  var firstRefused = document.querySelector("form [aria-invalid=true]");
  var firstMessage = firstRefused && document.getElementById(firstRefused.getAttribute("aria-describedby").split(" ").pop());
  var firstField = firstMessage && fieldOf(firstMessage);
  if (firstField) {
    firstField.focus();
  }
  document.querySelectorAll('#refusal-summary a[href^="#field-"]').forEach(function (link) {
    link.addEventListener("click", function (event) {
      var message = document.getElementById(link.hash.slice(1));
      var field = message && fieldOf(message);
      if (field) {
        event.preventDefault();
        field.focus();
      }
    });
  });
})();
