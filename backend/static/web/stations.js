/* /public/stations: 查找附近的联络站. The browser's position reloads the list nearest first (the server
 * orders it and shows each distance); without a position the list and its search work as they are. */
(function () {
  "use strict";

  var finder = document.getElementById("finder");
  var button = document.getElementById("find-nearby");
  var status = document.getElementById("finder-status");
  if (!finder || !button || !status) return;

  var MESSAGES = {
    unsupported: "当前浏览器无法获取位置，请按名称、地址或区域查找联络站。",
    denied: "未获得位置权限，无法查找附近的联络站。请在浏览器设置中允许本网站获取位置后重试，或按名称、地址或区域查找。",
    failed: "未能获取您的位置，请确认手机已开启定位后重试，或按名称、地址或区域查找。"
  };

  finder.hidden = false;

  button.addEventListener("click", function () {
    if (!navigator.geolocation || !window.isSecureContext) {
      status.textContent = MESSAGES.unsupported;
      return;
    }
    status.textContent = "正在获取您的位置…";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (found) {
      // About 100 m is plenty to find a station, and no more of the citizen's position than that
      // goes into the address.
      var near = found.coords.latitude.toFixed(3) + "," + found.coords.longitude.toFixed(3);
      status.textContent = "已获取位置，正在查找附近的联络站…";
      window.location.assign(finder.dataset.url + "?near=" + encodeURIComponent(near));
    }, function (error) {
      button.disabled = false;
      status.textContent = error && error.code === 1 ? MESSAGES.denied : MESSAGES.failed;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  });
})();
