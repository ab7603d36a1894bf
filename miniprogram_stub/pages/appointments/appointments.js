// 约见 lists. scope=handling: 约见我的, the requests addressed to a deputy (待确认 / 已确认 / 全部), with
// 开启提醒 for new requests; scope=mine (the default): a citizen's own requests. Tap one for its page.
const api = require('../../utils/api');
const config = require('../../config');
const { listPage, loadPage } = require('../../utils/paged');
const { askReminders } = require('../../utils/wxp');
const { STATUS_TABS, presentAppointment } = require('../../utils/appointment');

const ALL = STATUS_TABS[STATUS_TABS.length - 1].key;

Page(listPage({
  data: {
    scope: 'mine',
    tabs: STATUS_TABS.map((t) => ({ key: t.key, label: t.label })),
    tab: ALL,
    isDeputy: true,
  },

  onLoad(options) {
    const opts = options || {};
    const scope = opts.scope === 'handling' ? 'handling' : 'mine';
    let tab = scope === 'handling' ? STATUS_TABS[0].key : ALL;
    if (opts.tab && STATUS_TABS.some((t) => t.key === opts.tab)) tab = opts.tab;
    this.setData({ scope, tab });
    wx.setNavigationBarTitle({ title: scope === 'handling' ? '约见我的' : '我的约见' });
  },

  // Shown again after answering one on its page: the list reflects it.
  onShow() {
    return this.load(true);
  },

  async load(reset) {
    const handling = this.data.scope === 'handling';
    if (handling && !await api.deputyOf(this)) return null;
    const tab = STATUS_TABS.find((t) => t.key === this.data.tab) || STATUS_TABS[STATUS_TABS.length - 1];
    return loadPage(this, (paging) => api.appointments(Object.assign({ scope: this.data.scope }, tab.query, paging)), {
      reset, map: presentAppointment,
    });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/appointment/detail?id=' + e.currentTarget.dataset.id });
  },

  // A new request or a cancellation (one message per consent), asked in this tap.
  subscribe() {
    return askReminders(config.subscribeTemplates.appointment);
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },

  scan() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
}));
