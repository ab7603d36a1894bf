// 立法意见征集 (a citizen or a deputy): the draft regulations open for comment where the scanned station is
// (its region's congress and those above: the station acts as a 基层立法联系点), or a region's — for a
// deputy come from the home page, where they were elected; and the opinions the caller gave, with the
// feedback.
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');
const { presentConsultation, presentOpinion } = require('../../utils/consultations');

Page(listPage({
  data: { drafts: [], draftsError: '', place: false },

  onLoad(options) {
    const opts = options || {};
    this.place = opts.station_id ? { station_id: opts.station_id } : (opts.region_id ? { region_id: opts.region_id } : null);
    this.setData({ place: !!this.place });
  },

  onShow() {
    return Promise.all([this.loadDrafts(), this.load(true)]);
  },

  async loadDrafts() {
    try {
      if (!this.place) this.place = await this.deputysPlace();
      if (!this.place) return null;
      this.setData({ place: true });
      const page = await api.consultations(Object.assign({ per_page: 50 }, this.place));
      this.setData({ drafts: page.items.map(presentConsultation), draftsError: '' });
      return page.items;
    } catch (err) {
      this.setData({ draftsError: err.message });
      return null;
    }
  },

  // A deputy: the region they were elected in (their public profile); anyone else: none.
  async deputysPlace() {
    const user = await api.ensureLogin();
    if (!api.isDeputy(user) || !user.deputy_id) return null;
    const deputy = await api.deputyProfile(user.deputy_id);
    return deputy && deputy.region_id ? { region_id: deputy.region_id } : null;
  },

  load(reset) {
    return loadPage(this, (paging) => api.myOpinions(paging), { reset, map: presentOpinion });
  },

  open(e) {
    wx.navigateTo({ url: '/pages/consultations/detail?id=' + e.currentTarget.dataset.id });
  },
}));
