/* The station picker: a search box on a page's station choice, finding any station in the administrator's
   scope (GET /console/station-options) beyond the first ones the page lists.

   <select data-station-picker="URL">: a station to choose (a list's filter, 发单's station). Matches are
   offered under the box; the one picked becomes the select's choice (added to it if the page did not list
   it), and the select tells its form as if chosen by hand.
   <fieldset data-station-picker="URL" data-name="station_ids">: stations to tick (an administrator
   account's, a deputy's), the tick picker (tick-picker.js) as the deputy picker: ticked ones stay in 已选
   across searches; an empty search shows the page's own list again.
   Without this script the page's own list still works. */
(function () {
  "use strict";

  function detail(station) {
    return [station.region, station.address].filter(Boolean).join(" · ");
  }

  function searchBox() {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "station-q";
    box.placeholder = "搜索联络站名称或地址";
    box.setAttribute("aria-label", "搜索联络站");
    box.maxLength = 50;
    box.autocomplete = "off";
    return box;
  }

  function setupSelect(select) {
    window.tickPicker.choose(select, {
      url: select.getAttribute("data-station-picker"),
      kind: "station",
      placeholder: "搜索联络站名称或地址",
      label: "搜索联络站",
      none: "没有符合条件的联络站。",
      params: function (text) { return new URLSearchParams({ q: text }); },
      render: function (station) { return { name: station.name, detail: detail(station) }; },
    });
  }

  function setupChecklist(picker) {
    var filters = document.createElement("div");
    filters.className = "picker-filters";
    var box = searchBox();
    filters.appendChild(box);
    picker.querySelector("legend").insertAdjacentElement("afterend", filters);
    window.tickPicker.setup(picker, {
      url: picker.getAttribute("data-station-picker"),
      box: box,
      name: picker.getAttribute("data-name") || "station_ids",
      none: "没有其他符合条件的联络站。",
      restoreListed: true,
      params: function () { return new URLSearchParams({ q: box.value.trim() }); },
      render: function (station) { return { name: station.name, detail: detail(station) }; },
    });
  }

  document.querySelectorAll("select[data-station-picker]").forEach(setupSelect);
  document.querySelectorAll("fieldset[data-station-picker]").forEach(setupChecklist);
})();
