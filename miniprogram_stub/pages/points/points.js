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

  // Only the latest load shows: a year chosen while the last one loads must not get that year's late answer.
  async load() {
    const seq = (this.loadSeq || 0) + 1;
    this.loadSeq = seq;
    this.setData({ loading: true, error: '' });
    const user = await api.deputyOf(this);
    if (!user || this.loadSeq !== seq) return null;
    try {
      const res = await api.points(user.deputy_id, this.data.year);
      if (this.loadSeq !== seq) return null;
      this.setData({
        loading: false,
        total: res.total,
        rank: res.rank === undefined ? null : res.rank,
        entries: (res.entries || []).map((e, i) => Object.assign({}, e, { key: i, atText: formatTime(e.at) })),
      });
      return res;
    } catch (err) {
      if (this.loadSeq !== seq) return null;
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
