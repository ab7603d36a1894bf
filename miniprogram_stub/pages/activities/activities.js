// A deputy's activities (发单 → 接单/请假 → 签到 → 结单), with accept and decline on each; and 可揭榜, the
// activities whose places they may claim themselves (揭榜: GET /activities?scope=open, soonest first), with
// the places taken and 揭榜 on each. pages/activities/activities?tab=open opens on 可揭榜. 开启发单和揭榜提醒, on
// either tab, asks consent for word of new activities (发单) and of places offered (揭榜).
const api = require('../../utils/api');
const config = require('../../config');
const { listPage, loadPage } = require('../../utils/paged');
const activity = require('../../utils/activity');
const { askReminders } = require('../../utils/wxp');

const TABS = [
  { key: 'mine', label: '我的活动' },
  { key: 'open', label: '可揭榜' },
];

Page(listPage({
  data: {
    isDeputy: true,
    tabs: TABS,
    tab: 'mine',
  },

  onLoad(options) {
    if (options && TABS.some((t) => t.key === options.tab)) this.setData({ tab: options.tab });
  },

  // Shown again after answering one on its page: the list reflects it.
  onShow() {
    return this.load(true);
  },

  async load(reset) {
    if (!await api.deputyOf(this)) return null;
    const scope = this.data.tab === 'open' ? 'open' : 'mine';
    return loadPage(this, (paging) => api.activities(Object.assign({ scope }, paging)), {
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

  async claim(e) {
    return this.replace(await activity.claim(e.currentTarget.dataset.id));
  },

  open(e) {
    wx.navigateTo({ url: '/pages/activity/detail?id=' + e.currentTarget.dataset.id });
  },

  // 开启发单和揭榜提醒, on either tab: word of activities they are invited to and of places they may claim.
  subscribe() {
    return askReminders(config.subscribeTemplates.newActivities);
  },

  checkin() {
    wx.navigateTo({ url: '/pages/checkin/checkin' });
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
}));
