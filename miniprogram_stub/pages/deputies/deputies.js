// 进站代表, all of them: a district's station may receive hundreds of deputies, of whom its card names the
// first (the code's target.deputies, counted in deputies_total). Here they are paged, in the roster's order,
// and found by name (GET /deputies?station_id=&q=, public profiles of deputies in office).
const api = require('../../utils/api');
const { loadPage, searchableListPage } = require('../../utils/paged');

Page(searchableListPage({
  data: {
    stationName: '',
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
}));
