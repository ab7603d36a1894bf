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

  // A box that was ticked when the page opened and whose unticking cannot be undone (a deputy leaving
  // office stops their printed code): saving the form unticked asks first.
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
