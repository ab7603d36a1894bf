// My points (履职积分) for the year: total, rank and every entry.
const api = require('../../utils/api');
const { formatTime } = require('../../utils/format');

Page({
  data: {
    loading: true,
    error: '',
    isDeputy: true,
    year: new Date().getFullYear(),
    total: 0,
    rank: null,
    entries: [],
  },

  onShow() {
    return this.load();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    let user;
    try {
      user = await api.ensureLogin();
    } catch (err) {
      // No login (no network, WeChat failing) is said so, with 重试: not taken for a citizen (请先绑定代表身份).
      this.setData({ loading: false, error: err.message });
      return null;
    }
    if (!api.isDeputy(user)) {
      this.setData({ loading: false, isDeputy: false });
      return null;
    }
    try {
      const res = await api.points(user.deputy_id, this.data.year);
      this.setData({
        loading: false,
        total: res.total,
        rank: res.rank === undefined ? null : res.rank,
        entries: (res.entries || []).map((e, i) => Object.assign({}, e, { key: i, atText: formatTime(e.at) })),
      });
      return res;
    } catch (err) {
      this.setData({ loading: false, error: err.message });
      return null;
    }
  },

  onYearChange(e) {
    this.setData({ year: Number(e.detail.value.slice(0, 4)) });
    return this.load();
  },

  leaderboard() {
    wx.navigateTo({ url: '/pages/leaderboard/leaderboard' });
  },

  archive() {
    wx.navigateTo({ url: '/pages/archive/archive' });
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
});
