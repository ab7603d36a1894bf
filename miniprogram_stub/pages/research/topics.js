// 调研清单 (a deputy): the year's published research topics they may take (GET /research/topics?scope=open) —
// title, theme, the congress, the due date, 已领 N/M 团队 and whether they are on a team already; tap for the
// topic (领题). 我的调研 lists the teams they are on.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentTopic } = require('../../utils/research');

Page(listPage({
  onShow() {
    return this.load(true);
  },

  load(reset) {
    return loadPage(this, (paging) => api.researchTopics(paging), { reset, map: presentTopic });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/research/topic?id=' + e.currentTarget.dataset.id });
  },

  mine() {
    wx.navigateTo({ url: '/pages/research/mine' });
  },
}));
