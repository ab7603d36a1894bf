/* A printable sheet's 打印 button (述职测评票). */
(function () {
  "use strict";
  var button = document.getElementById("print-sheet");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
