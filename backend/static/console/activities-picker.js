/* The deputy picker: search and filter deputies by station; chosen ones stay checked across searches
   (the tick picker, tick-picker.js). */
(function () {
  "use strict";

  function setup(picker) {
    var q = picker.querySelector(".picker-q");
    var station = picker.querySelector(".picker-station");
    // Adding to an activity: the server leaves out the deputies it invites already.
    var activityId = picker.getAttribute("data-activity-id") || "";
    // Giving deputies to a liaison (联系清单): the server leaves out those given to it already.
    var liaisonId = picker.getAttribute("data-liaison-id") || "";

    var ticks = window.tickPicker.setup(picker, {
      url: picker.getAttribute("data-options-url"),
      box: q,
      name: picker.getAttribute("data-name") || "deputy_ids",
      none: "没有符合条件的代表。",
      params: function (chosenIds) {
        // The server leaves out up to 500 chosen; more are left out here.
        var params = new URLSearchParams({ q: q.value.trim(), station_id: station.value, exclude: chosenIds.slice(0, 500).join(",") });
        if (activityId) {
          params.set("activity_id", activityId);
        }
        if (liaisonId) {
          params.set("liaison_id", liaisonId);
        }
        return params;
      },
      render: function (deputy) {
        return { name: deputy.name, detail: deputy.detail };  // level, region, stations, 尾号: namesakes differ
      },
    });

    station.addEventListener("change", ticks.search);
    picker.querySelector(".picker-all").addEventListener("click", ticks.tickAll);
  }

  document.querySelectorAll("[data-picker]").forEach(setup);
})();
