/* Console: leaving a page with typed changes not yet saved asks first.
 *
 * Console pages are never kept by the browser (`Cache-Control: no-store`: they may show citizens' phones),
 * so going back, following a link or closing the tab loses whatever was typed into a form and not sent,
 * a reply or a reason perhaps long in the writing. Before that happens the browser asks its own "leave
 * this site?" question (browsers no longer show a page's own words there).
 *
 * Asked about: a field of a form that saves (POST) which the administrator changed by hand and which no
 * longer holds what the server drew. Not asked about: search and filter forms (GET), fields scripts fill
 * in, a change typed and undone, and leaving by sending the form. A page script that leaves on purpose
 * after asking in its own words (the activity edit page's roster pager) calls `ConsoleUnsaved.leave()`.
 */
(function () {
  "use strict";

  var NOT_TYPED = ["submit", "button", "reset", "image", "hidden"];
  var touched = new Set();
  var leaving = false;

  // Whether a field holds something other than what the server drew (each field's default).
  var changed = function (field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.type === "file") {
      return field.files.length > 0;
    }
    if (field.tagName === "SELECT") {
      var options = Array.prototype.slice.call(field.options);
      var drawnSelected = options.filter(function (o) { return o.defaultSelected; });
      if (!drawnSelected.length && !field.multiple && options.length) {
        drawnSelected = [options[0]];  // none marked: the browser shows the first
      }
      return options.some(function (o) { return o.selected !== (drawnSelected.indexOf(o) !== -1); });
    }
    return field.value !== field.defaultValue;
  };

  var saves = function (form) {
    return form && (form.getAttribute("method") || "get").toLowerCase() === "post";
  };

  var note = function (event) {
    var field = event.target;
    if (event.isTrusted && saves(field.form) && NOT_TYPED.indexOf(field.type) === -1) {
      touched.add(field);
    }
  };
  document.addEventListener("input", note);
  document.addEventListener("change", note);

  // Sent: the page is being left on purpose (a form's own confirmation that was declined stops the event
  // before it gets here, and so does a script that sends the form itself).
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) {
      leaving = true;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var unsaved = Array.from(touched).some(function (field) {
      return field.isConnected && !field.disabled && changed(field);
    });
    if (unsaved && !leaving) {
      event.preventDefault();
      event.returnValue = "";  // what older Chromium needs to ask
    }
  });

  // Back to this page from the browser's history, or left and returned to without leaving: ask again.
  window.addEventListener("pageshow", function () {
    leaving = false;
  });

  window.ConsoleUnsaved = {
    changed: changed,
    leave: function () {
      leaving = true;
    }
  };
})();
