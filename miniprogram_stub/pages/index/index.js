// Home: scan a code, find the nearest station (附近联络站), 消息 with the unread count, my suggestions and
// appointments; for deputies the inbox, 约见我的, activities, check-in and points.
const api = require('../../utils/api');
const { scanAndOpen } = require('../../utils/scan');

Page({
  data: {
    loading: true,
    user: null,
    isDeputy: false,
    error: '',
    unread: 0,
    unreadText: '',
  },

  onShow() {
    return Promise.all([this.refresh(), this.loadUnread()]);
  },

  // The badge on 消息 (the stub has no tab bar, so no wx.setTabBarBadge): read again each time the home
  // page shows, back from the list or an item; one that cannot load shows none rather than an error.
  async loadUnread() {
    try {
      const unread = await api.unreadMessages();
      this.setData({ unread, unreadText: unread > 99 ? '99+' : String(unread) });
      return unread;
    } catch (err) {
      this.setData({ unread: 0, unreadText: '' });
      return 0;
    }
  },

  // The roles as the server has them now (read at most once a minute): the deputy's menu only for a deputy
  // still in office and bound to this WeChat account.
  async refresh() {
    this.setData({ loading: true, error: '' });
    try {
      const user = await api.refreshUser();
      this.setData({ user, isDeputy: api.isDeputy(user), loading: false });
    } catch (err) {
      this.setData({ loading: false, error: err.message });
    }
  },

  scan() {
    return scanAndOpen((o) => wx.navigateTo(o));
  },

  go(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
});
