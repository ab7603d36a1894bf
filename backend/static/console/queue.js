/* Console, the suggestion queue (console/suggestions.html): 全选 ticks or unticks every item of the page that
 * can be dispatched in bulk. Without the script the box stays hidden and each item is ticked by hand. */
(function () {
  "use strict";

  var all = document.getElementById("pick-all");
  if (!all) {
    return;
  }
  var boxes = function () {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="ids"][form="batch-dispatch"]'));
  };
  var show = function () {
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  };
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  boxes().forEach(function (box) { box.addEventListener("change", show); });
  show();
}());
