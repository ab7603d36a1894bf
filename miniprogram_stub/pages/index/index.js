// Home: scan a code, find the nearest station (附近联络站), my suggestions and appointments; for deputies
// the inbox, 约见我的, activities, check-in and points.
const api = require('../../utils/api');
const { scanAndOpen } = require('../../utils/scan');

Page({
  data: {
    loading: true,
    user: null,
    isDeputy: false,
    error: '',
  },

  onShow() {
    return this.refresh();
  },

  async refresh() {
    this.setData({ loading: true, error: '' });
    try {
      const user = await api.ensureLogin();
      this.setData({ user, isDeputy: api.isDeputy(user), loading: false });
    } catch (err) {
      this.setData({ loading: false, error: err.message });
    }
  },

  scan() {
    return scanAndOpen((o) => wx.navigateTo(o));
  },

  go(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
