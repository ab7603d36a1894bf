// A code that cannot be used: revoked (410, e.g. the deputy left office), its station closed (410
// station_closed: 附近联络站 offered) or unknown (404).
// Shows the server's own sentence, which a citizen understands, and 重新扫码 for the code beside it.
const { scanAndOpen } = require('../../utils/scan');

const TITLES = { 404: '二维码无效', 410: '二维码已停用' };

Page({
  data: {
    title: '',
    message: '',
    nearby: false,
  },

  onLoad(options) {
    const opts = options || {};
    let message = opts.message || '';
    try {
      message = decodeURIComponent(message);
    } catch (e) { /* already decoded */ }
    const closed = opts.code === 'station_closed';
    this.setData({
      title: closed ? '该联络站已停用' : (TITLES[opts.status] || '二维码暂时无法打开'),
      nearby: closed,
      message: message || '这个二维码暂时无法使用。',
    });
    wx.setNavigationBarTitle({ title: this.data.title });
  },

  // The next code opens in this page's place: back from it leads where the scan began, not here.
  rescan() {
    return scanAndOpen((o) => wx.redirectTo(o));
  },

  // A closed station's code: the stations open near the citizen, in this page's place.
  nearby() {
    wx.redirectTo({ url: '/pages/nearby/nearby' });
  },

  home() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});
