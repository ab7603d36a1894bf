/* The suggestion page: 合并到 asks naming the item the number finds, and each form is sent once. (Forms
 * marked data-confirm are asked about by console/forms.js, as on every console page.) */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var lookup = form.getAttribute && form.getAttribute("data-merge-lookup");
    if (lookup) {
      if (form.getAttribute("data-looked-up") !== "yes") {
        event.preventDefault();
        mergeAfterLookup(form, lookup, form.getAttribute("data-merge-question"));
        return;
      }
      form.removeAttribute("data-looked-up");  // asked already; a later submission asks again
    }
    // One click, one submission: a double click must not post the step twice.
    var button = form.querySelector("button[type=submit]");
    if (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // 合并到: the number typed is looked up as the merge will read it, and the question names the item
  // found (its number, status and words), never the number as typed. None found: the form is sent
  // as it is, and the page says why, as the merge itself refuses it. The lookup unreachable: the
  // form's own question, which names no item.
  function mergeAfterLookup(form, lookup, fallback) {
    if (form.getAttribute("data-looking") === "yes") {
      return;  // a second click while the first is being looked up
    }
    form.setAttribute("data-looking", "yes");
    var field = form.elements.namedItem("into");
    fetch(lookup + "?into=" + encodeURIComponent(field.value), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          throw new Error("not an answer");
        }
        return response.json().then(function (body) {
          return response.ok ? "确定将本条作为重复建议合并到 " + body.number + "（" + body.status_label + "：“" +
            body.excerpt + "”）吗？合并后本条以重复办结，不能撤销。" : null;
        });
      })
      .catch(function () { return fallback; })
      .then(function (asked) {
        form.removeAttribute("data-looking");
        if (asked && !window.confirm(asked)) {
          return;
        }
        form.setAttribute("data-looked-up", "yes");
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
  }

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
    if (named && field && field.setAttribute) {
      // The box the reason is about is marked wrong, and a screen reader reads the reason with it.
      field.setAttribute("aria-invalid", "true");
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + refused.id);
    }
    if (field && typeof field.focus === "function") {
      field.focus();
    } else {
      refused.scrollIntoView({ block: "center" });
    }
  }
})();
