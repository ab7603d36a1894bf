// A deputy's inbox: 待接单, 办理中, 转办中 and 已超期, with a quick 接单; tap an item to handle it.
const api = require('../../utils/api');
const config = require('../../config');
const { listPage, loadPage } = require('../../utils/paged');
const { presentSuggestion } = require('../../utils/format');
const { consent, wxp, toast } = require('../../utils/wxp');

const TABS = [
  { key: 'assigned', label: '待接单', query: { status: 'assigned' } },
  { key: 'accepted', label: '办理中', query: { status: 'accepted' } },
  { key: 'forwarded', label: '转办中', query: { status: 'forwarded' } },
  { key: 'overdue', label: '已超期', query: { overdue: true } },
];

Page(listPage({
  data: {
    tabs: TABS.map((t) => ({ key: t.key, label: t.label })),
    tab: 'assigned',
    isDeputy: true,
  },

  onLoad(options) {
    if (options && options.tab && TABS.some((t) => t.key === options.tab)) this.setData({ tab: options.tab });
  },

  onShow() {
    return this.load(true);
  },

  async load(reset) {
    if (!await api.deputyOf(this)) return null;
    const tab = TABS.find((t) => t.key === this.data.tab);
    return loadPage(this, (paging) => api.suggestions(Object.assign({ scope: 'assigned' }, tab.query, paging)), {
      reset, map: presentSuggestion,
    });
  },

  async accept(e) {
    const id = e.currentTarget.dataset.id;
    // A double tap sends one 接单 (the second would be refused as already accepted).
    if (!this.accepting) this.accepting = {};
    if (this.accepting[id]) return null;
    this.accepting[id] = true;
    try {
      await consent(config.subscribeTemplates.handling); // 督办 while they handle it
      await api.suggestionAction(id, 'accept');
    } catch (err) {
      return null;
    } finally {
      delete this.accepting[id];
    }
    toast('已接单', 'success');
    await this.load(true);
    return id;
  },

  open(e) {
    wx.navigateTo({ url: '/pages/suggestion/detail?id=' + e.currentTarget.dataset.id });
  },

  // Reminders of new items, overdue items and activities (one message per consent).
  async subscribe() {
    try {
      const res = await wxp('requestSubscribeMessage', { tmplIds: config.subscribeTemplates.deputy });
      const accepted = config.subscribeTemplates.deputy.filter((id) => res[id] === 'accept').length;
      toast(accepted ? '已开启提醒' : '未开启提醒');
      return accepted;
    } catch (e) {
      toast('未开启提醒');
      return 0;
    }
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
}));
