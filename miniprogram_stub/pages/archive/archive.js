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
