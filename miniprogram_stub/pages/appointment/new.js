// 约见代表: a citizen asks to meet the deputy of the scanned code, or a deputy at the scanned station —
// on a reception day from the code's plan (reception_days) or at a time they suggest. Subscribe to the
// answer in the tap, one Idempotency-Key per request, then the appointment's page.
const api = require('../../utils/api');
const { keyReused, leadToEarlier } = require('../../utils/resubmit');
const config = require('../../config');
const { toast, submitWithConsent } = require('../../utils/wxp');
const {
  PHONE_PATTERN, PHONE_MESSAGE, TOPIC_MAX, NAME_MAX, PREFERRED_MAX, presentDay,
} = require('../../utils/appointment');

const OTHER = 'other';
// The last contact phone given, offered again next time (kept on this phone only, forgotten after 注销 or
// when another account signs in: utils/api).
const PHONE_KEY = api.APPOINTMENT_PHONE_KEY;

Page({
  data: {
    code: '',
    kind: '',
    targetName: '',
    loading: true,
    error: '',
    days: [],
    choice: '', // a day's id as a string, or 'other'
    topic: '',
    name: '',
    contactPhone: '',
    preferredTime: '',
    topicMax: TOPIC_MAX,
    nameMax: NAME_MAX,
    preferredMax: PREFERRED_MAX,
    submitting: false,
  },

  onLoad(options) {
    const opts = options || {};
    // One key for this request: a retried submit (lost answer, second tap) cannot ask twice.
    this.submitKey = api.newIdempotencyKey();
    this.setData({
      code: opts.code ? decodeURIComponent(opts.code) : '',
      kind: opts.kind || '',
      targetName: opts.name ? decodeURIComponent(opts.name) : '',
      contactPhone: wx.getStorageSync(PHONE_KEY) || '',
    });
    return this.load();
  },

  // The plan comes with the code: the card's answer when it is at hand, else asked again.
  async load() {
    if (!this.data.code) {
      this.setData({ loading: false, error: '二维码信息缺失，请重新扫码。' });
      return null;
    }
    const app = getApp();
    let qr = app.globalData.lastQr && app.globalData.lastQr.code === this.data.code ? app.globalData.lastQr : null;
    this.setData({ loading: !qr, error: '' });
    if (!qr) {
      try {
        qr = await api.resolveQr(this.data.code);
      } catch (err) {
        this.setData({ loading: false, error: err.message });
        return null;
      }
    }
    const days = (qr.reception_days || []).map(presentDay);
    this.setData({
      loading: false,
      kind: qr.kind,
      targetName: (qr.target && qr.target.name) || this.data.targetName,
      days,
      // Without a plan the suggested time is the only way: chosen already.
      choice: days.length ? this.data.choice : OTHER,
    });
    return qr;
  },

  onTopicInput(e) {
    this.setData({ topic: e.detail.value });
  },

  onNameInput(e) {
    this.setData({ name: e.detail.value });
  },

  onPhoneInput(e) {
    this.setData({ contactPhone: e.detail.value });
  },

  onChoiceChange(e) {
    this.setData({ choice: e.detail.value });
  },

  onPreferredInput(e) {
    this.setData({ preferredTime: e.detail.value });
  },

  // --- submit -------------------------------------------------------------------------------------

  validate() {
    const d = this.data;
    if (!d.code) return '二维码信息缺失，请重新扫码。';
    const topic = d.topic.trim();
    if (!topic) return '请填写约见事由';
    if (topic.length > TOPIC_MAX) return '约见事由不能超过 ' + TOPIC_MAX + ' 字';
    if (d.name.trim().length > NAME_MAX) return '称呼不能超过 ' + NAME_MAX + ' 字';
    const phone = d.contactPhone.trim();
    if (!phone) return '请填写联系电话';
    if (!PHONE_PATTERN.test(phone)) return PHONE_MESSAGE;
    if (!d.choice) return '请选择接待日，或填写希望见面的时间。';
    if (d.choice === OTHER) {
      const preferred = d.preferredTime.trim();
      if (!preferred) return '请填写希望见面的时间';
      if (preferred.length > PREFERRED_MAX) return '希望见面的时间不能超过 ' + PREFERRED_MAX + ' 字';
    }
    return '';
  },

  // The answer (confirmed or declined) is a subscribe message, asked for in the tap, before the request.
  submit() {
    return submitWithConsent(this, config.subscribeTemplates.appointmentResult);
  },

  async send() {
    const d = this.data;
    const body = {
      qr_code: d.code,
      topic: d.topic.trim(),
      contact_phone: d.contactPhone.trim(),
      name: d.name.trim(),
    };
    if (d.choice === OTHER) body.preferred_time = d.preferredTime.trim();
    else body.activity_id = Number(d.choice);
    try {
      const appointment = await api.requestAppointment(body, this.submitKey);
      this.setData({ submitting: false });
      wx.setStorageSync(PHONE_KEY, body.contact_phone);
      toast('已提交约见', 'success');
      wx.redirectTo({ url: '/pages/appointment/detail?id=' + appointment.id });
      return appointment;
    } catch (err) {
      // The key stays, so tapping again cannot ask twice. A 422 says what to correct, in the server's words.
      this.setData({ submitting: false });
      if (keyReused(err)) {
        // Asked before, the answer lost, the form changed since: it is in 我的约见; a new tap asks anew.
        this.submitKey = api.newIdempotencyKey();
        await leadToEarlier({
          content: '您的约见申请此前已提交成功（当时网络中断，未能显示结果），可到“我的约见”查看，无需重复提交。',
          url: '/pages/appointments/appointments?scope=mine',
        });
      } else if (err.status === 422) {
        api.showCorrections(err);
      }
      return null;
    }
  },
});
