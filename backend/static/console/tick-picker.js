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
   window.tickPicker.searcher and .note serve the single choices too:

   window.tickPicker.choose(select, {
     url: the search endpoint,
     kind: "station" or "deputy": the class names' prefix (station-q, station-results, station-result …),
     placeholder, label: the search box's,
     params: function (text) -> URLSearchParams of a search for the box's text,
     render: function (item) -> {name, detail}, an item of the answer's ``items`` shown,
     none: the note when nothing matches,
     optionText: function (item) -> the text of the option added for it (by default its name)
   }): a search box after the <select>; matches are offered under it, and the one picked becomes the
   select's choice (added to it if the page did not list it), and the select tells its form as if chosen
   by hand. Without scripts the page's own list still works. */
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

  function choose(select, options) {
    var kind = options.kind;
    var wrap = document.createElement("span");
    wrap.className = "choice-search " + kind + "-search";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "choice-q " + kind + "-q";
    box.placeholder = options.placeholder;
    box.setAttribute("aria-label", options.label);
    box.maxLength = 50;
    box.autocomplete = "off";
    var results = document.createElement("ul");
    results.className = "choice-results " + kind + "-results";
    results.hidden = true;
    wrap.appendChild(box);
    wrap.appendChild(results);
    select.insertAdjacentElement("afterend", wrap);
    var resultClass = kind + "-result";

    function close() {
      results.hidden = true;
      results.replaceChildren();
    }

    function pick(found) {
      var id = String(found.id);
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === id; });
      if (!option) {
        option = new Option(options.optionText ? options.optionText(found) : options.render(found).name, id);
        select.add(option);
      }
      select.value = id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      box.value = "";
      close();
      select.focus();
    }

    var search = searcher(options.url, function () { return options.params(box.value.trim()); }, function (data, error) {
      var list = document.createDocumentFragment();
      if (!data) {
        list.appendChild(note(error));
      } else {
        data.items.forEach(function (found) {
          var shown = options.render(found);
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "choice-result " + resultClass;
          button.textContent = shown.name + " ";
          var small = document.createElement("small");
          small.textContent = shown.detail;
          button.appendChild(small);
          button.addEventListener("click", function () { pick(found); });
          li.appendChild(button);
          list.appendChild(li);
        });
        if (!data.items.length) {
          list.appendChild(note(options.none));
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
      if (event.key === "Enter") {  // not the form's submit: the first match, if shown
        event.preventDefault();
        var first = results.querySelector("." + resultClass);
        if (first) {
          first.click();
        }
      } else if (event.key === "ArrowDown") {
        var top = results.querySelector("." + resultClass);
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
      var buttons = Array.prototype.slice.call(results.querySelectorAll("." + resultClass));
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
    return box;
  }

  return { setup: setup, searcher: searcher, note: note, choose: choose };
})();
