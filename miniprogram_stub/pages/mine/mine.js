// My suggestions (filed or followed): number, status, flags; tap for the timeline and the rating form.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentSuggestion } = require('../../utils/format');

Page(listPage({
  onShow() {
    return this.load(true);
  },

  load(reset) {
    return loadPage(this, (paging) => api.suggestions(Object.assign({ scope: 'mine' }, paging)), {
      reset, map: presentSuggestion,
    });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/suggestion/detail?id=' + e.currentTarget.dataset.id });
  },

  scan() {
    wx.reLaunch({ url: '/pages/index/index' });
  },

  // 个人信息: the copy of what is held about this citizen, and 注销账号.
  privacy() {
    wx.navigateTo({ url: '/pages/privacy/privacy' });
  },

  // For a station administrator who types the console's link code instead of scanning it.
  linkAdmin() {
    wx.navigateTo({ url: '/pages/link/link' });
  },
}));
