// 我的民生建议 (a citizen): the proposals they made and what became of each — 待处理, 已列为候选项目 (and,
// once voted, 当选 or 未当选), or 不予采纳 with the reason.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentProposal } = require('../../utils/livelihood');

Page(listPage({
  onShow() {
    return this.load(true);
  },

  load(reset) {
    return loadPage(this, (paging) => api.livelihoodProposals(paging), { reset, map: presentProposal });
  },

  propose() {
    wx.navigateTo({ url: '/pages/livelihood/propose' });
  },
}));
