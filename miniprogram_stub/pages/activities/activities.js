// A deputy's activities (发单 → 接单/请假 → 签到 → 结单), with accept and decline on each.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const activity = require('../../utils/activity');

Page(listPage({
  data: {
    isDeputy: true,
  },

  onShow() {
    return this.load(true);
  },

  async load(reset) {
    if (!await api.deputyOf(this)) return null;
    return loadPage(this, (paging) => api.activities(Object.assign({ scope: 'mine' }, paging)), {
      reset, map: activity.presentActivity,
    });
  },

  replace(updated) {
    if (!updated) return null;
    const index = this.data.items.findIndex((a) => a.id === updated.id);
    if (index >= 0) this.setData({ ['items[' + index + ']']: activity.presentActivity(updated) });
    return updated;
  },

  async accept(e) {
    return this.replace(await activity.accept(e.currentTarget.dataset.id));
  },

  async decline(e) {
    return this.replace(await activity.decline(e.currentTarget.dataset.id));
  },

  open(e) {
    wx.navigateTo({ url: '/pages/activity/detail?id=' + e.currentTarget.dataset.id });
  },

  checkin() {
    wx.navigateTo({ url: '/pages/checkin/checkin' });
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
}));
