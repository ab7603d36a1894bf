// The card a citizen sees after scanning: a deputy (一人一码) or a station (一站一码), "提建议", and
// "约见代表" with the upcoming reception days (接待计划) the code carries.
const api = require('../../utils/api');
const { presentDay } = require('../../utils/appointment');

Page({
  data: {
    loading: true,
    error: '',
    kind: '',
    code: '',
    target: null,
    canFile: false,
    canAppoint: false,
    days: [],
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
      canAppoint: (qr.actions || []).indexOf('request_appointment') >= 0,
      days: (qr.reception_days || []).map(presentDay),
    });
    // The booking page reads the plan from here rather than asking again.
    app.globalData.lastQr = qr;
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

  requestAppointment() {
    const name = this.data.target ? this.data.target.name : '';
    wx.navigateTo({
      url: '/pages/appointment/new?code=' + encodeURIComponent(this.data.code) + '&name=' + encodeURIComponent(name)
        + '&kind=' + this.data.kind,
    });
  },

  mine() {
    wx.navigateTo({ url: '/pages/mine/mine' });
  },
});
