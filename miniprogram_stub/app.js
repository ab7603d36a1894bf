// 码上办 mini-program: citizens scan a deputy's or a station's code and file micro-suggestions;
// deputies take them on, check in at activities and see their points.
const api = require('./utils/api');

App({
  globalData: {
    user: null,
    // The last resolved code, handed from the scan page to the card page without a second request.
    lastQr: null,
  },

  onLaunch() {
    // Log in early; pages that load at the same time share this login (see utils/api.js).
    return api.ensureLogin().then((user) => {
      this.globalData.user = user;
      return user;
    }).catch(() => null);
  },

  // Each time the app comes to the front: the user's roles as the server has them now, at most once a
  // minute (utils/api.js refreshUser), so that a deputy who left office loses the deputy pages.
  onShow() {
    return api.refreshUser().then((user) => {
      this.globalData.user = user;
      return user;
    }).catch(() => null);
  },
});
