// 进站代表, all of them: a district's station may receive hundreds of deputies, of whom its card names the
// first (the code's target.deputies, counted in deputies_total). Here they are paged, in the roster's order,
// and found by name (GET /deputies?station_id=&q=, public profiles of deputies in office).
const api = require('../../utils/api');
const { listPage, loadPage } = require('../../utils/paged');

Page(listPage({
  data: {
    stationName: '',
    keyword: '',
    searched: '', // the keyword of the list shown
  },

  onLoad(options) {
    this.stationId = (options && options.station_id) || '';
    const stationName = options && options.name ? decodeURIComponent(options.name) : '';
    this.setData({ stationName });
    wx.setNavigationBarTitle({ title: '进站代表' });
    return this.load(true);
  },

  load(reset) {
    const query = { station_id: this.stationId };
    if (this.data.searched) query.q = this.data.searched;
    return loadPage(this, (paging) => api.deputies(Object.assign({}, query, paging)), { reset });
  },

  onKeywordInput(e) {
    this.setData({ keyword: e.detail.value });
  },

  search() {
    const keyword = (this.data.keyword || '').trim();
    this.setData({ keyword, searched: keyword });
    return this.load(true);
  },

  clearSearch() {
    this.setData({ keyword: '', searched: '' });
    return this.load(true);
  },
}));
