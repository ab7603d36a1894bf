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

  var note = window.tickPicker.note;
  var searcher = window.tickPicker.searcher;

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
    var url = select.getAttribute("data-station-picker");
    var wrap = document.createElement("span");
    wrap.className = "station-search";
    var box = searchBox();
    var results = document.createElement("ul");
    results.className = "station-results";
    results.hidden = true;
    wrap.appendChild(box);
    wrap.appendChild(results);
    select.insertAdjacentElement("afterend", wrap);

    function close() {
      results.hidden = true;
      results.replaceChildren();
    }

    function pick(station) {
      var id = String(station.id);
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === id; });
      if (!option) {
        option = new Option(station.name, id);
        select.add(option);
      }
      select.value = id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      box.value = "";
      close();
      select.focus();
    }

    var search = searcher(url, function () { return new URLSearchParams({ q: box.value.trim() }); }, function (data, error) {
      var list = document.createDocumentFragment();
      if (!data) {
        list.appendChild(note(error));
      } else {
        data.items.forEach(function (station) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "station-result";
          button.textContent = station.name + " ";
          var small = document.createElement("small");
          small.textContent = detail(station);
          button.appendChild(small);
          button.addEventListener("click", function () { pick(station); });
          li.appendChild(button);
          list.appendChild(li);
        });
        if (!data.items.length) {
          list.appendChild(note("没有符合条件的联络站。"));
        } else if (data.more) {
          list.appendChild(note("只显示前 " + data.limit + " 个，请输入更完整的名称。"));
        }
      }
      results.replaceChildren(list);
      results.hidden = false;
    });

    box.addEventListener("input", function () {
      if (box.value.trim()) {
        search.soon();
      } else {
        search.cancel();
        close();
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // not the filter form's submit: the first match, if shown
        event.preventDefault();
        var first = results.querySelector(".station-result");
        if (first) {
          first.click();
        }
      } else if (event.key === "ArrowDown") {
        var top = results.querySelector(".station-result");
        if (top) {
          event.preventDefault();
          top.focus();
        }
      } else if (event.key === "Escape") {
        search.cancel();
        close();
      }
    });
    results.addEventListener("keydown", function (event) {  // up and down the matches; Escape back to the box
      var buttons = Array.prototype.slice.call(results.querySelectorAll(".station-result"));
      var at = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        (next < 0 ? box : buttons[Math.min(next, buttons.length - 1)]).focus();
      } else if (event.key === "Escape") {
        box.focus();
        search.cancel();
        close();
      }
    });
    document.addEventListener("click", function (event) {  // a click elsewhere puts the matches away
      if (!wrap.contains(event.target)) {
        search.cancel();
        close();
      }
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
