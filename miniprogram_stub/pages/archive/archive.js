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

  async load() {
    this.setData({ loading: true, error: '' });
    const user = await api.deputyOf(this);
    if (!user) return null;
    try {
      const archive = await api.archive(user.deputy_id, this.data.year);
      const empty = !archive.activities.length && !archive.suggestions.received && !archive.points.by_rule.length;
      this.setData({ loading: false, archive, empty });
      return archive;
    } catch (err) {
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
