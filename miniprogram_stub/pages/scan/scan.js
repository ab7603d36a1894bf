// The scan entry. WeChat opens it with options.q (the URL-encoded {PUBLIC_BASE_URL}/q/{code} of a printed
// code, under the "scan ordinary link QR code" rule) or options.scene (a mini-program code: the code);
// the stub's own pages pass options.code. It resolves the code and routes:
//   citizen → the deputy's or station's card; deputy at a station or activity code → check-in;
//   revoked (410) or unknown (404) → a page with the server's sentence.
const api = require('../../utils/api');
const { codeFromOptions, unavailableUrl } = require('../../utils/qr');

const UNRECOGNISED = '无法识别这个二维码，请扫描人大代表或代表联络站的二维码。';

Page({
  data: {
    loading: true,
    message: '',
    canRetry: false, // the code was read but not resolved (network, server): 重试 without scanning again
  },

  onLoad(options) {
    return this.resolve(options || {});
  },

  // Returns where it routed: {route, url} (for tests and logs).
  async resolve(options) {
    this.scanOptions = options;
    const code = codeFromOptions(options);
    if (!code) {
      this.setData({ loading: false, message: UNRECOGNISED });
      return { route: 'error' };
    }
    let user;
    let qr;
    try {
      user = await api.ensureLogin();
    } catch (err) {
      this.setData({ loading: false, message: err.message, canRetry: true });
      return { route: 'error' };
    }
    try {
      qr = await api.resolveQr(code);
    } catch (err) {
      if (err.status === 404 || err.status === 410) {
        return this.go('unavailable', unavailableUrl(err));
      }
      this.setData({ loading: false, message: err.message, canRetry: true });
      return { route: 'error' };
    }
    getApp().globalData.lastQr = qr;
    const enc = encodeURIComponent;
    if (api.isDeputy(user) && (qr.kind === 'station' || qr.kind === 'activity')) {
      return this.go('checkin', '/pages/checkin/checkin?code=' + enc(qr.code));
    }
    if (qr.kind === 'activity') {
      this.setData({ loading: false, message: '这是活动签到码，仅供受邀代表签到使用。' });
      return { route: 'error' };
    }
    return this.go('card', '/pages/card/card?code=' + enc(qr.code));
  },

  retry() {
    if (this.data.loading) return null; // a double tap resolves once
    this.setData({ loading: true, message: '', canRetry: false });
    return this.resolve(this.scanOptions || {});
  },

  go(route, url) {
    wx.redirectTo({ url });
    return { route, url };
  },

  home() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});
