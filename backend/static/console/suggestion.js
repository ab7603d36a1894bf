/* The suggestion page: ask before an action that cannot be undone (forms marked data-confirm). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question) {
      // {into}: the item number typed in that field, as the server reads it (trimmed, upper case).
      question = question.replace(/\{(\w+)\}/g, function (_, name) {
        var field = form.elements.namedItem(name);
        return field ? field.value.trim().toUpperCase() : "";
      });
    }
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // One click, one submission: a double click must not post the step twice.
    var button = form.querySelector("button[type=submit]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // A refused step came back with its form as typed: the cursor goes to the box the reason is about
  // (else the form's first one), which brings the form and its reason into sight.
  var refused = document.getElementById("refused");
  if (refused) {
    var form = refused.closest("form");
    var named = refused.getAttribute("data-field");
    var field = (named && form.elements.namedItem(named)) ||
      form.querySelector("select, textarea, input:not([type=hidden])");
    if (field && typeof field.focus !== "function") {
      field = field[0];  // a group of radio buttons: the first of them
    }
    if (field && typeof field.focus === "function") {
      field.focus();
    } else {
      refused.scrollIntoView({ block: "center" });
    }
  }
})();
