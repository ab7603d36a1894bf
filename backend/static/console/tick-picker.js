/* The tick picker shared by the deputy picker (activities-picker.js) and the station picker's checklist
   (station-picker.js): a fieldset with 已选 (.picker-chosen) and 可选 (.picker-options) lists of checkboxes
   and a count of the chosen (.picker-count). Ticking moves an item between the lists; a search box asks the
   server for more, and the chosen stay in 已选 across searches. Without scripts the page's lists still work.

   window.tickPicker.setup(picker, {
     url: the search endpoint,
     box: the search box,
     params: function (chosenIds) -> URLSearchParams of a search,
     render: function (item) -> {name, detail}, an item of the answer's ``items`` shown,
     name: the checkboxes' field name,
     none: the note when no other item matches,
     restoreListed: an empty search box shows the page's own list again instead of searching
   }) returns {search: search at once, tickAll: tick every offered item}.
   window.tickPicker.searcher and .note serve the station picker's single choice too. */
window.tickPicker = (function () {
  "use strict";

  var WAIT = 250;  // ms after the last keystroke before searching

  function note(text) {
    var li = document.createElement("li");
    li.className = "muted";
    li.textContent = text;
    return li;
  }

  /* Runs ``show(data)`` with the matches for ``query()`` once typing pauses (``soon``) or at once (``now``);
     a late answer to an older search is dropped. ``show(null, message)`` on a failure. */
  function searcher(url, query, show) {
    var timer = null;
    var serial = 0;

    function run() {
      window.clearTimeout(timer);
      var mine = ++serial;
      fetch(url + "?" + query().toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (!response.ok || !data.items) {
              var refused = new Error(data.message || "搜索失败，请稍后重试。");
              refused.answered = true;
              throw refused;
            }
            return data;
          });
        })
        .then(function (data) {
          if (mine === serial) {
            show(data);
          }
        })
        .catch(function (error) {
          if (mine === serial) {  // no answer at all: the browser's own words ("Failed to fetch") are English
            show(null, error.answered ? error.message : "搜索失败，请检查网络后重试。");
          }
        });
    }

    return {
      now: run,
      soon: function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(run, WAIT);
      },
      cancel: function () {
        window.clearTimeout(timer);
        serial++;
      },
    };
  }

  function setup(picker, options) {
    var chosen = picker.querySelector(".picker-chosen");
    var offered = picker.querySelector(".picker-options");
    var count = picker.querySelector(".picker-count");
    var box = options.box;
    var listed = Array.prototype.slice.call(offered.children);  // the page's own list, for an empty search

    function chosenIds() {
      return Array.prototype.map.call(chosen.querySelectorAll("input[type=checkbox]"), function (tick) {
        return tick.value;
      });
    }

    function updateCount() {
      count.textContent = chosen.querySelectorAll("input[type=checkbox]:checked").length;
    }

    function item(data) {
      var shown = options.render(data);
      var li = document.createElement("li");
      var label = document.createElement("label");
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.name = options.name;
      tick.value = String(data.id);
      var small = document.createElement("small");
      small.textContent = shown.detail;
      label.appendChild(tick);
      label.appendChild(document.createTextNode(" " + shown.name + " "));
      label.appendChild(small);
      li.appendChild(label);
      return li;
    }

    picker.addEventListener("change", function (event) {
      var tick = event.target;
      if (!tick.matches || !tick.matches("input[type=checkbox]")) {
        return;
      }
      var li = tick.closest("li");
      if (tick.checked && offered.contains(li)) {
        chosen.appendChild(li);
      } else if (!tick.checked && chosen.contains(li)) {
        offered.insertBefore(li, offered.firstChild);
      }
      updateCount();
    });

    function showListed() {
      var taken = chosenIds();
      offered.replaceChildren.apply(offered, listed.filter(function (li) {
        var tick = li.querySelector("input[type=checkbox]");
        return !tick || (!tick.checked && taken.indexOf(tick.value) < 0);
      }));
    }

    var search = searcher(options.url, function () { return options.params(chosenIds()); }, function (data, error) {
      var list = document.createDocumentFragment();
      if (!data) {
        list.appendChild(note(error));
      } else {
        var taken = chosenIds();
        var fresh = data.items.filter(function (found) { return taken.indexOf(String(found.id)) < 0; });
        fresh.forEach(function (found) { list.appendChild(item(found)); });
        if (!fresh.length) {
          list.appendChild(note(options.none));
        } else if (data.more) {
          list.appendChild(note("只显示前 " + data.limit + " 个，请输入更完整的名称。"));
        }
      }
      offered.replaceChildren(list);
    });

    box.addEventListener("input", function () {
      if (box.value.trim() || !options.restoreListed) {
        search.soon();
      } else {
        search.cancel();
        showListed();
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // searching is not sending the form
      }
    });
    updateCount();
    if (box.value.trim()) {
      // Typed (or restored by the browser) before this script ran: that input event came too early to be heard.
      search.now();
    }

    return {
      search: search.now,
      tickAll: function () {
        offered.querySelectorAll("input[type=checkbox]").forEach(function (tick) {
          tick.checked = true;
          chosen.appendChild(tick.closest("li"));
        });
        updateCount();
      },
    };
  }

  return { setup: setup, searcher: searcher, note: note };
})();
