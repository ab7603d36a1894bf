// A code that cannot be used: revoked (410, e.g. the deputy left office) or unknown (404).
// Shows the server's own sentence, which a citizen understands, and 重新扫码 for the code beside it.
const { scanAndOpen } = require('../../utils/scan');

const TITLES = { 404: '二维码无效', 410: '二维码已停用' };

Page({
  data: {
    title: '',
    message: '',
  },

  onLoad(options) {
    const opts = options || {};
    let message = opts.message || '';
    try {
      message = decodeURIComponent(message);
    } catch (e) { /* already decoded */ }
    this.setData({
      title: TITLES[opts.status] || '二维码暂时无法打开',
      message: message || '这个二维码暂时无法使用。',
    });
    wx.setNavigationBarTitle({ title: this.data.title });
  },

  // The next code opens in this page's place: back from it leads where the scan began, not here.
  rescan() {
    return scanAndOpen((o) => wx.redirectTo(o));
  },

  home() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});
