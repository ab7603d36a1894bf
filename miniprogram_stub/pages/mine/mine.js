// My suggestions (filed or followed): number, status, flags (临期, 已超期), deadline; tap for the timeline and the rating form.
// A deputy also reads who keeps in touch with them (联系我的常委会组成人员和专门委员会, 联系清单).
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentRow } = require('../../utils/format');

Page(listPage({
  data: { liaisons: [] },

  onShow() {
    this.loadLiaisons();
    return this.load(true);
  },

  // Only a deputy has liaisons; a refusal or a lost connection leaves the section out, not the page.
  async loadLiaisons() {
    const user = await api.ensureLogin().catch(() => null);
    if (!api.isDeputy(user)) {
      this.setData({ liaisons: [] });
      return [];
    }
    try {
      const page = await api.myLiaisons();
      const liaisons = page.items.map((l) => ({
        id: l.id, name: l.name, kindText: l.kind_label, title: l.title, congress: l.congress_name,
      }));
      this.setData({ liaisons });
      return liaisons;
    } catch (err) {
      this.setData({ liaisons: [] });
      return [];
    }
  },

  load(reset) {
    return loadPage(this, (paging) => api.suggestions(Object.assign({ scope: 'mine' }, paging)), {
      // A row shows the deadline its page shows this viewer: when it is due to be dispatched while it waits at
      // its station; the deputy's own deadlines only to a deputy handling it.
      reset, map: (item) => presentRow(item, api.handles(api.getUser(), item)),
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
