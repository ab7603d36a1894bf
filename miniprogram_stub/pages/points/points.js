// My points (履职积分) for the year: total, rank and every entry.
const api = require('../../utils/api');
const { chinaYear, formatTime } = require('../../utils/format');
const { latestLoad } = require('../../utils/latest');

Page({
  data: {
    loading: true,
    error: '',
    isDeputy: true,
    year: chinaYear(), // the points year in China time, as the server counts it, whatever the phone's zone
    total: 0,
    rank: null,
    entries: [],
  },

  onShow() {
    return this.load();
  },

  // A year chosen while the last one loads must not get that year's late answer.
  load() {
    return latestLoad(this, async (current) => {
      const user = await api.deputyOf(this);
      if (!user || !current()) return null;
      const res = await api.points(user.deputy_id, this.data.year);
      if (!current()) return null;
      this.setData({
        loading: false,
        total: res.total,
        rank: res.rank === undefined ? null : res.rank,
        entries: (res.entries || []).map((e, i) => Object.assign({}, e, { key: i, atText: formatTime(e.at) })),
      });
      return res;
    });
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
