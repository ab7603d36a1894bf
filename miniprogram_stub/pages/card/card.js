// The card a citizen sees after scanning: a deputy (一人一码) or a station (一站一码), "提建议", and
// "约见代表" with the upcoming reception days (接待计划) the code carries.
const api = require('../../utils/api');
const { presentDay } = require('../../utils/appointment');
const { unavailableUrl } = require('../../utils/qr');

// What the card shows: a deputy's or a station's code. An activity's check-in code (a deputy's failed
// check-in may lead here with it) has no card to show.
const CARD_KINDS = ['deputy', 'station'];
const NOT_A_CARD = '这是活动签到码，只用于受邀代表到场签到，不能查看名片或提建议。';

Page({
  data: {
    loading: true,
    error: '',
    canRetry: false, // the code was not resolved (network, server): 重试 may
    kind: '',
    code: '',
    target: null,
    canFile: false,
    canAppoint: false,
    days: [],
    moreDeputies: false, // a station receiving more deputies than its code names (deputies_total)
  },

  onLoad(options) {
    this.code = (options && options.code) || '';
    return this.load();
  },

  async load() {
    const app = getApp();
    let qr = app.globalData.lastQr && app.globalData.lastQr.code === this.code ? app.globalData.lastQr : null;
    this.setData({ loading: !qr, error: '', canRetry: false });
    if (!qr) {
      try {
        qr = await api.resolveQr(this.code);
      } catch (err) {
        if (err.status === 404 || err.status === 410) {
          wx.redirectTo({ url: unavailableUrl(err) });
        }
        this.setData({ loading: false, error: err.message, canRetry: err.status !== 404 && err.status !== 410 });
        return null;
      }
    }
    if (CARD_KINDS.indexOf(qr.kind) < 0) {
      this.setData({ loading: false, error: NOT_A_CARD });
      return null;
    }
    this.setData({
      loading: false,
      kind: qr.kind,
      code: qr.code,
      target: qr.target,
      canFile: (qr.actions || []).indexOf('file_suggestion') >= 0,
      canAppoint: (qr.actions || []).indexOf('request_appointment') >= 0,
      days: (qr.reception_days || []).map(presentDay),
      moreDeputies: qr.kind === 'station' && qr.target.deputies_total > (qr.target.deputies || []).length,
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

  // 查看全部: a large station's card names its first deputies; the whole roster is paged, found by name.
  allDeputies() {
    const target = this.data.target || {};
    wx.navigateTo({
      url: '/pages/deputies/deputies?station_id=' + target.id + '&name=' + encodeURIComponent(target.name || ''),
    });
  },

  // 民生实事 · 我要下单: the congresses nearest to the deputy's or station's region listed first.
  proposeLivelihood() {
    const target = this.data.target || {};
    wx.navigateTo({ url: '/pages/livelihood/propose' + (target.region_id ? '?region_id=' + target.region_id : '') });
  },

  // 立法意见征集: the drafts open for comment where the station is (a 基层立法联系点).
  consultations() {
    const target = this.data.target || {};
    wx.navigateTo({ url: '/pages/consultations/list?station_id=' + target.id });
  },

  mine() {
    wx.navigateTo({ url: '/pages/mine/mine' });
  },

  home() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});
