// The card a citizen sees after scanning: a deputy (一人一码) or a station (一站一码), and "提建议".
const api = require('../../utils/api');

Page({
  data: {
    loading: true,
    error: '',
    kind: '',
    code: '',
    target: null,
    canFile: false,
  },

  onLoad(options) {
    this.code = (options && options.code) || '';
    return this.load();
  },

  async load() {
    const app = getApp();
    let qr = app.globalData.lastQr && app.globalData.lastQr.code === this.code ? app.globalData.lastQr : null;
    this.setData({ loading: !qr, error: '' });
    if (!qr) {
      try {
        qr = await api.resolveQr(this.code);
      } catch (err) {
        if (err.status === 404 || err.status === 410) {
          wx.redirectTo({
            url: '/pages/unavailable/unavailable?status=' + err.status + '&message=' + encodeURIComponent(err.message),
          });
        }
        this.setData({ loading: false, error: err.message });
        return null;
      }
    }
    this.setData({
      loading: false,
      kind: qr.kind,
      code: qr.code,
      target: qr.target,
      canFile: (qr.actions || []).indexOf('file_suggestion') >= 0,
    });
    wx.setNavigationBarTitle({ title: qr.target.name || '码上办' });
    return qr;
  },

  fileSuggestion() {
    const name = this.data.target ? this.data.target.name : '';
    wx.navigateTo({
      url: '/pages/file/file?code=' + encodeURIComponent(this.data.code) + '&name=' + encodeURIComponent(name)
        + '&kind=' + this.data.kind,
    });
  },

  mine() {
    wx.navigateTo({ url: '/pages/mine/mine' });
  },
});
