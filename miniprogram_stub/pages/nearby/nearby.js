// 附近联络站 (电子地图智能导航找站点): the stations nearest to the citizen, paged. The location is
// wx.getLocation's gcj02, the system stations' coordinates are kept in (as check-in and filing send it);
// 导航 opens WeChat's map at the station; a station with its printed code (一站一码, public) opens the
// card a scan opens — details, deputies, reception days, 提建议, 约见代表. Without the location: why,
// 去设置 when the user refused it (wx.openSetting), and the search by name or address that works anyway.
const api = require('../../utils/api');
const { clearList, loadPage, searchableListPage } = require('../../utils/paged');
const { distanceText } = require('../../utils/format');
const { wxp, locationAllowedInSettings } = require('../../utils/wxp');

const REFUSED = '未获得位置权限，无法查找附近的联络站。请点“去设置”允许使用位置信息，或在上方按名称、地址查找。';
const UNAVAILABLE = '未能获取您的位置，请确认手机已开启定位并允许微信使用位置信息后重试，或在上方按名称、地址查找。';
const NO_CODE = '该联络站暂未启用二维码，暂不能在线提建议或约见代表，可在接待时间到站反映。';

function presentStation(station) {
  return Object.assign({}, station, {
    distanceText: distanceText(station.distance_m),
    canNavigate: typeof station.lat === 'number' && typeof station.lng === 'number',
  });
}

Page(searchableListPage({
  data: {
    loading: false, // nothing to list until there is a location or a search
    locating: true,
    located: false,
    problem: '', // why there is no location, when there is none
    canOpenSetting: false, // the user refused: the setting can allow it
  },

  onLoad() {
    return this.locate();
  },

  // Pulling down finds the citizen again: they may have moved.
  onPullDownRefresh() {
    return this.locate().then(() => wx.stopPullDownRefresh());
  },

  // Only the latest attempt counts: a phone slow to answer an earlier one (the page opening, then a pull
  // or 重新定位) must not put back where the citizen was, or a refusal, over what came after it.
  async locate() {
    const seq = (this.locateSeq || 0) + 1;
    this.locateSeq = seq;
    this.setData({ locating: true, problem: '', canOpenSetting: false });
    let near = '';
    let problem = null;
    try {
      const loc = await wxp('getLocation', { type: 'gcj02' });
      near = loc.latitude.toFixed(6) + ',' + loc.longitude.toFixed(6);
    } catch (err) {
      // "getLocation:fail auth deny" (this time or before): the user's choice, which 去设置 can change.
      // Anything else (location off, or WeChat not allowed it by the phone) is the phone's setting.
      problem = /auth/.test((err && err.errMsg) || '') ? REFUSED : UNAVAILABLE;
    }
    if (this.locateSeq !== seq) return null;
    this.near = near;
    if (problem) this.setData({ locating: false, located: false, canOpenSetting: problem === REFUSED, problem });
    else this.setData({ locating: false, located: true });
    return this.load(true);
  },

  // Nearest first when the location is known; the search narrows by name or address either way.
  load(reset) {
    const query = {};
    if (this.near) query.near = this.near;
    if (this.data.searched) query.q = this.data.searched;
    if (!query.near && !query.q) {
      clearList(this);
      return Promise.resolve([]);
    }
    return loadPage(this, (paging) => api.stations(Object.assign({}, query, paging)), { reset, map: presentStation });
  },

  async openSettings() {
    if (await locationAllowedInSettings()) return this.locate();
    return null;
  },

  // 导航: WeChat's map at the station, from which the citizen picks a route or a map app.
  navigate(e) {
    const station = this.data.items[e.currentTarget.dataset.index];
    if (!station || !station.canNavigate) return;
    wx.openLocation({
      latitude: station.lat, longitude: station.lng, name: station.name, address: station.address || '', scale: 16,
      fail: () => null,
    });
  },

  open(e) {
    const station = this.data.items[e.currentTarget.dataset.index];
    if (!station) return;
    if (station.qr_code) {
      wx.navigateTo({ url: '/pages/card/card?code=' + encodeURIComponent(station.qr_code) });
      return;
    }
    const lines = [NO_CODE];
    if (station.address) lines.push('地址：' + station.address);
    if (station.open_hours) lines.push('接待时间：' + station.open_hours);
    wx.showModal({ title: station.name, content: lines.join('\n'), showCancel: false, confirmText: '知道了' });
  },
}));
