// 履职档案: the year's activities by type, suggestions handled, points by rule, and the grade the year's
// points earn (履职评价等次) by the deputy's own congress's bands — while the year runs, by the points so far.
const api = require('../../utils/api');
const { latestLoad } = require('../../utils/latest');

function gradeText(grade) {
  if (!grade) return '';
  return grade.label + (grade.provisional ? '（按当前积分）' : '');
}

Page({
  data: {
    loading: true,
    error: '',
    isDeputy: true,
    year: new Date().getFullYear(),
    archive: null,
    empty: false,
    gradeText: '',
  },

  onShow() {
    return this.load();
  },

  // A year chosen while the last one loads must not get that year's late answer.
  load() {
    return latestLoad(this, async (current) => {
      const user = await api.deputyOf(this);
      if (!user || !current()) return null;
      const archive = await api.archive(user.deputy_id, this.data.year);
      if (!current()) return null;
      const empty = !archive.activities.length && !archive.suggestions.received && !archive.points.by_rule.length;
      this.setData({ loading: false, archive, empty, gradeText: gradeText(archive.points.grade) });
      return archive;
    });
  },

  onYearChange(e) {
    this.setData({ year: Number(e.detail.value.slice(0, 4)) });
    return this.load();
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
});
