// A deputy's inbox: 待接单, 办理中, 转办中 and 已超期, with a quick 接单; and what they answered: 已答复 (waiting
// for the citizen's rating) and 已办结 (with the rating), for 述职 and to see how citizens judged it. Tap an
// item to handle it. Each row shows its deadline (to accept, to answer) and whether it is 临期 or 已超期, or
// where the citizen's rating stands. Newest
// first, or 按期限 (what is due first: the deadline to accept, to reply); the search finds an item by its
// number — whole, or its last digits as a citizen reads them out on the phone — or by its words, among all
// of the deputy's items (a citizen calling about an item does not know its tab, nor may it be in one).
const api = require('../../utils/api');
const config = require('../../config');
const { loadPage, searchableListPage } = require('../../utils/paged');
const { presentRow, ratingText } = require('../../utils/format');
const { askReminders, consent, toast } = require('../../utils/wxp');

// Each with what an empty list of it says.
const TABS = [
  { key: 'assigned', label: '待接单', query: { status: 'assigned' }, empty: '暂无待接单的建议' },
  { key: 'accepted', label: '办理中', query: { status: 'accepted' }, empty: '暂无办理中的建议' },
  { key: 'forwarded', label: '转办中', query: { status: 'forwarded' }, empty: '暂无转办中的建议' },
  { key: 'overdue', label: '已超期', query: { overdue: true }, empty: '暂无超期的建议' },
  { key: 'replied', label: '已答复', query: { status: 'replied' }, empty: '暂无等待群众评价的建议' },
  { key: 'closed', label: '已办结', query: { status: 'closed' }, empty: '暂无已办结的建议' },
];
const emptyText = (key) => TABS.find((t) => t.key === key).empty;
// The server's orders (sort=): newest first, the default, or 按期限.
const SORTS = [
  { key: 'newest', label: '最新' },
  { key: 'due', label: '按期限' },
];

Page(searchableListPage({
  data: {
    tabs: TABS.map((t) => ({ key: t.key, label: t.label })),
    tab: 'assigned',
    emptyText: emptyText('assigned'),
    sorts: SORTS,
    sort: 'newest',
    keyword: '',
    searched: '', // the search of the list shown: while there is one, it lists all of the deputy's items
    isDeputy: true,
  },

  onLoad(options) {
    if (options && options.tab && TABS.some((t) => t.key === options.tab)) {
      this.setData({ tab: options.tab, emptyText: emptyText(options.tab) });
    }
  },

  onShow() {
    return this.load(true);
  },

  async load(reset) {
    const user = await api.deputyOf(this);
    if (!user) return null;
    const query = { scope: 'assigned', sort: this.data.sort };
    if (this.data.searched) query.q = this.data.searched;
    else Object.assign(query, TABS.find((t) => t.key === this.data.tab).query);
    return loadPage(this, (paging) => api.suggestions(Object.assign({}, query, paging)), {
      reset, map: (item) => Object.assign(presentRow(item, api.handles(user, item)), { ratingText: ratingText(item) }),
    });
  },

  // A tab ends the search: it shows that tab again.
  switchTab(e) {
    const key = e.currentTarget.dataset.key;
    if (key === this.data.tab && !this.data.searched) return null;
    if (!TABS.some((t) => t.key === key)) return null;
    this.setData({ tab: key, emptyText: emptyText(key), items: [], keyword: '', searched: '' });
    return this.load(true);
  },

  switchSort(e) {
    const key = e.currentTarget.dataset.key;
    if (key === this.data.sort || !SORTS.some((s) => s.key === key)) return null;
    this.setData({ sort: key });
    return this.load(true);
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
      // Refused (taken on the item's page or elsewhere, returned or withdrawn meanwhile; or no longer this
      // deputy's): the list as it is now, without a 接单 that can only be refused again.
      if (err && (err.status === 409 || err.status === 403)) await this.load(true);
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

  // Reminders of new items and overdue items (one message per consent).
  subscribe() {
    return askReminders(config.subscribeTemplates.deputy);
  },

  // Reminders of activities: 发单 and 揭榜 (WeChat asks for at most three templates at once).
  subscribeActivities() {
    return askReminders(config.subscribeTemplates.newActivities);
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
}));
