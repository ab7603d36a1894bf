/* The deputy picker: search and filter deputies by station; chosen ones stay checked across searches. */
(function () {
  "use strict";

  function setup(picker) {
    var url = picker.getAttribute("data-options-url");
    var name = picker.getAttribute("data-name") || "deputy_ids";
    var q = picker.querySelector(".picker-q");
    var station = picker.querySelector(".picker-station");
    var chosen = picker.querySelector(".picker-chosen");
    var options = picker.querySelector(".picker-options");
    var count = picker.querySelector(".picker-count");
    // Adding to an activity: the server leaves out the deputies it invites already.
    var activityId = picker.getAttribute("data-activity-id") || "";
    var timer = null;
    var serial = 0;

    function chosenIds() {
      return Array.prototype.map.call(chosen.querySelectorAll("input[type=checkbox]"), function (box) {
        return box.value;
      });
    }

    function updateCount() {
      count.textContent = chosen.querySelectorAll("input[type=checkbox]:checked").length;
    }

    function item(deputy, checked) {
      var li = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = name;
      box.value = String(deputy.id);
      box.checked = checked;
      var small = document.createElement("small");
      small.textContent = deputy.level_label + (deputy.stations ? " · " + deputy.stations : "");
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + deputy.name + " "));
      label.appendChild(small);
      li.appendChild(label);
      return li;
    }

    function note(text) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = text;
      return li;
    }

    picker.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches || !box.matches("input[type=checkbox]")) {
        return;
      }
      var li = box.closest("li");
      if (box.checked && options.contains(li)) {
        chosen.appendChild(li);
      } else if (!box.checked && chosen.contains(li)) {
        options.insertBefore(li, options.firstChild);
      }
      updateCount();
    });

    function search() {
      var mine = ++serial;
      var picked = chosenIds();
      // The server leaves out up to 500 chosen; more are left out here.
      var params = new URLSearchParams({ q: q.value.trim(), station_id: station.value, exclude: picked.slice(0, 500).join(",") });
      if (activityId) {
        params.set("activity_id", activityId);
      }
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("搜索失败，请稍后重试。");
          }
          return response.json();
        })
        .then(function (data) {
          if (mine !== serial) {
            return;  // a newer search answered first
          }
          var list = document.createDocumentFragment();
          var items = data.items.filter(function (deputy) { return picked.indexOf(String(deputy.id)) === -1; });
          items.forEach(function (deputy) { list.appendChild(item(deputy, false)); });
          if (!items.length) {
            list.appendChild(note("没有符合条件的代表。"));
          }
          options.replaceChildren(list);
        })
        .catch(function (error) {
          options.replaceChildren(note(error.message));
        });
    }

    q.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
    station.addEventListener("change", search);
    picker.querySelector(".picker-all").addEventListener("click", function () {
      options.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.checked = true;
        chosen.appendChild(box.closest("li"));
      });
      updateCount();
    });
    updateCount();
  }

  document.querySelectorAll("[data-picker]").forEach(setup);
})();
