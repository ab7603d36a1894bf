// One activity (the page the server's activity notices open: pages/activity/detail?id=...):
// time, place, participants; 揭榜名额 and 揭榜 (for a deputy who may claim a place, not yet on the list);
// 接单, 请假 and 签到.
const api = require('../../utils/api');
const activity = require('../../utils/activity');
const { latestLoad, supersede } = require('../../utils/latest');

Page({
  data: {
    loading: true,
    error: '',
    activity: null,
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    return this.load();
  },

  // Back from 扫码签到 (or anywhere), the page shows the activity as it is now, not as it was.
  onShow() {
    if (!this.shownOnce) {
      this.shownOnce = true; // the first show is onLoad's
      return null;
    }
    return this.load();
  },

  // Only the latest word on the activity shows: a load still on its way when 接单 or 请假 answers is dropped,
  // as is one overtaken by a later load.
  load() {
    return latestLoad(this, async (current) => {
      const a = await api.activity(this.id);
      if (!current()) return null;
      this.setData({ activity: activity.presentActivity(a), loading: false });
      return a;
    }, { loading: !this.data.activity });
  },

  show(updated) {
    if (!updated) return updated;
    supersede(this);
    this.setData({ activity: activity.presentActivity(updated) });
    return updated;
  },

  async accept() {
    return this.show(await activity.accept(this.id));
  },

  async decline() {
    return this.show(await activity.decline(this.id));
  },

  // 揭榜: the activity as the claim left it (已接单, 您已揭榜), or, refused, as it is now (名额已满).
  async claim() {
    return this.show(await activity.claim(this.id));
  },

  checkin() {
    wx.navigateTo({ url: '/pages/checkin/checkin' });
  },
});
