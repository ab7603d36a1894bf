// 扫码签到: a deputy scans a station's code or an activity's rotating code (wx.scanCode, or arriving
// from the scan entry with options.code); the phone's location goes with it (POST /checkins). A station's
// code is printed on its door: without the location the server refuses it where the activity has a place
// (请开启手机定位后重新扫码签到…, reason location_required), and the page offers 去设置 when the deputy refused
// the location; the activity's rotating code, only on the screen at the venue, checks in without one.
const api = require('../../utils/api');
const { codeFromScan, isActivityCode } = require('../../utils/qr');
const { formatTime } = require('../../utils/format');
const { wxp, toast, locationAllowedInSettings } = require('../../utils/wxp');

// The server's refusal of a code that is neither a station's nor an activity's: it has no station card.
const NOT_CHECKIN_CODE = 'not_checkin_code';
// The one check-in refusal (checkin_refused's reason) the location settings can change: the scan needs the
// position. Not being invited, too early, too far, on leave… are no matter of settings.
const LOCATION_REQUIRED = 'location_required';

// Check-in refusals no later scan of the same code changes: the activity closed (结单) or cancelled, or the
// deputy checked in to another activity held at the same time.
const FINAL_REFUSALS = ['ended', 'cancelled', 'already_checked_in_elsewhere'];

// 重试 sends the same code again: of use after a lost answer or a server failing, or a refusal that may
// pass later at a station's code (too far, too early); not for a code the server does not know or has
// withdrawn (404, 410), nor one that is no check-in code (a deputy's), nor a refusal that stands
// (FINAL_REFUSALS), nor for an activity's rotating code it refused (expired within two minutes: only a new
// scan of the screen helps).
function retryable(code, err) {
  if (!err.status || err.status >= 500) return true;
  if (err.status === 404 || err.status === 410 || err.code === NOT_CHECKIN_CODE) return false;
  if (FINAL_REFUSALS.indexOf(err.reason) >= 0) return false;
  return !isActivityCode(code);
}

Page({
  data: {
    status: 'idle', // idle | working | done | failed
    message: '',
    result: null, // {activityId, title, time}
    code: '',
    canRetry: true, // 重试 could pass: not for a code the server refused for good
    canViewStation: false, // the code is a station's: its card (查看联络站)
    canOpenSetting: false, // a station's code sent without the location the deputy refused: 去设置 can allow it
  },

  onLoad(options) {
    if (options && options.code) return this.checkIn(options.code);
    return null;
  },

  async scan() {
    let res;
    try {
      res = await wxp('scanCode', { onlyFromCamera: true, scanType: ['qrCode', 'wxCode'] });
    } catch (e) {
      return null; // cancelled
    }
    const code = codeFromScan(res);
    if (!code) {
      toast('无法识别的二维码');
      return null;
    }
    return this.checkIn(code);
  },

  // "重试" repeats the same check-in with its Idempotency-Key: after a lost answer it checks in once.
  retry() {
    return this.data.code ? this.checkIn(this.data.code, true) : this.scan();
  },

  // 去设置: the deputy allows the location there, and the same code is sent again with it.
  async openSettings() {
    if (await locationAllowedInSettings() && this.data.code) return this.checkIn(this.data.code, true);
    return null;
  },

  // Each scan is a new check-in with a new key (the afternoon's activity at the same station is not the
  // morning's); only a retry reuses the key.
  async checkIn(code, retrying) {
    if (this.data.status === 'working') return null; // a second tap while it is on its way
    if (!retrying || !this.key || this.keyCode !== code) {
      this.key = api.newIdempotencyKey();
      this.keyCode = code;
      this.unanswered = null;
    }
    this.setData({
      status: 'working', message: '', result: null, code, canRetry: true, canViewStation: !isActivityCode(code),
      canOpenSetting: false,
    });
    let user;
    try {
      user = await api.ensureLogin();
    } catch (err) {
      // No login (no network, WeChat failing) is said so, with 重试: not taken for a citizen (请先绑定代表身份).
      this.setData({ status: 'failed', message: err.message });
      return null;
    }
    if (!api.isDeputy(user)) {
      this.setData({ status: 'failed', message: '只有人大代表可以扫码签到，请先绑定代表身份。' });
      return null;
    }
    // 重试 after a lost answer (or a server failing) sends what was sent, so that its key replays a check-in
    // made meanwhile; any other scan or retry sends where the phone is now.
    let body = this.unanswered;
    let locationRefused = false;
    if (!body) {
      body = { qr_code: code };
      try {
        const loc = await wxp('getLocation', { type: 'gcj02' });
        body.lat = loc.latitude;
        body.lng = loc.longitude;
      } catch (e) {
        // "getLocation:fail auth deny": the deputy's choice, which 去设置 can change; anything else is the
        // phone's location being off. Sent without it: the server says whether the scan needs it.
        locationRefused = /auth/.test((e && e.errMsg) || '');
      }
    }
    this.unanswered = null;
    try {
      const out = await api.checkin(body, this.key);
      this.setData({
        status: 'done',
        result: { activityId: out.activity_id, title: out.activity_title || '', time: formatTime(out.checked_in_at) },
      });
      return out;
    } catch (err) {
      // e.g. 409 "这里目前没有需要签到的活动。": the server's sentence, on the page as well as in the modal.
      if (!err.status || err.status >= 500) this.unanswered = body;
      this.setData({
        status: 'failed', message: err.message, canRetry: retryable(code, err),
        canViewStation: this.data.canViewStation && err.code !== NOT_CHECKIN_CODE,
        canOpenSetting: locationRefused && err.reason === LOCATION_REQUIRED,
      });
      return null;
    }
  },

  // Back to the activity's page when the deputy came from it (it refreshes on show), else open it.
  openActivity() {
    if (!this.data.result) return;
    const id = String(this.data.result.activityId);
    const pages = getCurrentPages();
    const previous = pages[pages.length - 2];
    if (previous && previous.route === 'pages/activity/detail' && String(previous.id) === id) {
      wx.navigateBack();
      return;
    }
    wx.redirectTo({ url: '/pages/activity/detail?id=' + id });
  },

  // A station's card; an activity's code has none (the card would be empty).
  station() {
    if (this.data.code && this.data.canViewStation) wx.redirectTo({ url: '/pages/card/card?code=' + encodeURIComponent(this.data.code) });
  },
});
