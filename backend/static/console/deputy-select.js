/* The deputy picker's search on a choice of one deputy: <select data-deputy-picker="URL"> (分派 on an item's
   page, the queue's 批量分派 and its 承办代表 filter). The page lists a few deputies (the item's station's);
   the search box finds any deputy in the administrator's scope by name, 代表小组, the end of the mobile
   number or the printed code (GET /console/deputy-options, as 发单's tick picker does), each shown with what
   tells namesakes apart (level, region, stations, 尾号). data-left-office="1": those who left office too (a
   filter, for their past items). Built on tick-picker.js; without scripts the page's own list still works. */
(function () {
  "use strict";

  function setup(select) {
    var leftOffice = select.getAttribute("data-left-office") === "1";
    window.tickPicker.choose(select, {
      url: select.getAttribute("data-deputy-picker"),
      kind: "deputy",
      placeholder: "搜索姓名、尾号或代表码",
      label: "搜索代表",
      none: "没有符合条件的代表。",
      params: function (text) {
        var params = new URLSearchParams({ q: text });
        if (leftOffice) {
          params.set("left_office", "1");
        }
        return params;
      },
      render: function (deputy) { return { name: deputy.name, detail: deputy.detail }; },
      optionText: function (deputy) { return deputy.name + " · " + deputy.detail; },
    });
  }

  document.querySelectorAll("select[data-deputy-picker]").forEach(setup);
  // The item page's 查找 that reloads the page (without scripts): the search box above finds as one types.
  document.querySelectorAll("form.deputy-search-form").forEach(function (form) { form.hidden = true; });
})();
