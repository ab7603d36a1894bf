// 我的调研 (a deputy): the research teams they lead or are on (GET /me/research), each with its topic and the
// report's state (未提交 / 待审核 / 退回修改 / 已通过 / 获领导批示); tap for the team's page.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentMyTeam } = require('../../utils/research');

Page(listPage({
  onShow() {
    return this.load(true);
  },

  load(reset) {
    const user = api.getUser();
    const deputyId = user ? user.deputy_id : null;
    return loadPage(this, (paging) => api.myResearch(paging), { reset, map: (t) => presentMyTeam(t, deputyId) });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/research/team?id=' + e.currentTarget.dataset.id });
  },

  topics() {
    wx.navigateTo({ url: '/pages/research/topics' });
  },
}));
