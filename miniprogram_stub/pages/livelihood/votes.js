// 民生实事项目票决 (a deputy): the rounds they may vote in — those of their congress once voting opened —
// with 可投票 / 已投票; tap for the ballot (or, closed, the result).
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentVote } = require('../../utils/livelihood');

Page(listPage({
  onShow() {
    return this.load(true);
  },

  load(reset) {
    return loadPage(this, (paging) => api.livelihoodVotes(paging), { reset, map: presentVote });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/livelihood/ballot?id=' + e.currentTarget.dataset.id });
  },
}));
