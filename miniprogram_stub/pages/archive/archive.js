// 履职档案: the year's activities by type, suggestions handled, points by rule.
const api = require('../../utils/api');

Page({
  data: {
    loading: true,
    error: '',
    isDeputy: true,
    year: new Date().getFullYear(),
    archive: null,
    empty: false,
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
      const archive = await api.archive(user.deputy_id, this.data.year);
      if (this.loadSeq !== seq) return null;
      const empty = !archive.activities.length && !archive.suggestions.received && !archive.points.by_rule.length;
      this.setData({ loading: false, archive, empty });
      return archive;
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

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
});
