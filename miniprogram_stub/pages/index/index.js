// Home: scan a code, find the nearest station (附近联络站), my suggestions and appointments; for deputies
// the inbox, 约见我的, activities, check-in and points.
const api = require('../../utils/api');
const { codeFromScan, linkCodeFromScan } = require('../../utils/qr');
const { wxp, toast } = require('../../utils/wxp');

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

  async scan() {
    let res;
    try {
      res = await wxp('scanCode', { scanType: ['qrCode', 'wxCode'] });
    } catch (e) {
      return null; // cancelled
    }
    // The console's code for an administrator's WeChat reminders opens its own page, as it does from
    // WeChat's scanner.
    const linkCode = linkCodeFromScan(res);
    if (linkCode) {
      wx.navigateTo({ url: '/pages/link/link?scene=' + encodeURIComponent(linkCode) });
      return linkCode;
    }
    const code = codeFromScan(res);
    if (!code) {
      toast('无法识别的二维码');
      return null;
    }
    wx.navigateTo({ url: '/pages/scan/scan?code=' + encodeURIComponent(code) });
    return code;
  },

  go(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
