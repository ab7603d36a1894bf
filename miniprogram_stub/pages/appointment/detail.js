// One appointment (约见代表). The path is the one the server's subscribe messages open
// (pages/appointment/detail?id=...), for both sides:
// - its citizen: status, what they asked, the confirmed time and place, the answer; 取消约见;
// - the deputy it is addressed to (or the station's staff): the citizen's phone with 拨打; 确认 (again to
//   move it: 改约) with a date, a time and a place, 婉拒 with a reason, 标记已接待 once met.
// What the viewer may do comes from the server's `actions`.
const api = require('../../utils/api');
const config = require('../../config');
const { askReminders, confirmFirst, consent, toast } = require('../../utils/wxp');
const { chinaParts, meetAt, presentAppointment } = require('../../utils/appointment');
const { latestLoad, supersede } = require('../../utils/latest');

const EMPTY_FORM = { date: '', time: '', place: '', note: '', reason: '', completeNote: '' };

Page({
  data: {
    loading: true,
    error: '',
    item: null,
    handler: false,
    busy: false,
    today: '',
    form: Object.assign({}, EMPTY_FORM),
    stationLocation: null, // {lat, lng, name, address}: the station on WeChat's map
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.setData({ today: chinaParts(Date.now()).date });
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  // Only the latest word on the appointment shows: a refresh still on its way when an answer (确认, 婉拒…)
  // comes back is dropped, as is one overtaken by a later refresh.
  load() {
    return latestLoad(this, async (current) => {
      const item = await api.appointment(this.id);
      if (!current()) return null;
      this.show(item, true);
      this.setData({ loading: false });
      await this.loadStation(item);
      return item;
    }, { loading: !this.data.item });
  },

  // The citizen's consent at the request let WeChat carry the confirmation; the sweep's reminder before
  // the meeting needs another, asked in this tap.
  async remindMe() {
    return (await askReminders(config.subscribeTemplates.appointmentResult, '将在见面前提醒您')) > 0;
  },

  // Those who answer see the citizen's phone; the deputy it is addressed to stays one after it is closed.
  show(item, resetForm) {
    const user = api.getUser();
    const shown = presentAppointment(item);
    const handler = shown.answerable || api.handles(user, item);
    const changes = { item: shown, handler };
    if (resetForm) changes.form = this.defaultForm(shown);
    this.setData(changes);
  },

  // The pickers start at the agreed time (改约), else the chosen reception day, else tomorrow 09:00; 改约
  // starts from the agreed place and note too, so that moving the time alone keeps them.
  defaultForm(item) {
    let at = item.meet_at || (item.activity && item.activity.starts_at) || '';
    if (!at || Date.parse(at) <= Date.now()) at = '';
    const parts = at ? chinaParts(at) : { date: chinaParts(Date.now() + 24 * 3600 * 1000).date, time: '09:00' };
    const agreed = item.status === 'confirmed' ? { place: item.place || '', note: item.answer || '' } : {};
    return Object.assign({}, EMPTY_FORM, { date: parts.date, time: parts.time }, agreed);
  },

  // 查看地图: the station's coordinates (public, one small request), when it has them.
  async loadStation(item) {
    if (!item.station || item.status !== 'confirmed') {
      this.setData({ stationLocation: null });
      return null;
    }
    try {
      const station = await api.station(item.station.id);
      const has = typeof station.lat === 'number' && typeof station.lng === 'number';
      this.setData({
        stationLocation: has ? { lat: station.lat, lng: station.lng, name: station.name, address: station.address || '' } : null,
      });
      return station;
    } catch (err) {
      this.setData({ stationLocation: null }); // the map is a convenience: nothing to say
      return null;
    }
  },

  openMap() {
    const loc = this.data.stationLocation;
    if (!loc) return;
    wx.openLocation({ latitude: loc.lat, longitude: loc.lng, name: loc.name, address: loc.address, fail: () => null });
  },

  call() {
    const phone = this.data.item && this.data.item.contact_phone;
    if (phone) wx.makePhoneCall({ phoneNumber: phone, fail: () => null });
  },

  // --- the answers ----------------------------------------------------------------------------------

  onFormInput(e) {
    this.setData({ ['form.' + e.currentTarget.dataset.field]: e.detail.value });
  },

  onDateChange(e) {
    this.setData({ 'form.date': e.detail.value });
  },

  onTimeChange(e) {
    this.setData({ 'form.time': e.detail.value });
  },

  async act(action, body, done) {
    if (this.data.busy) return null;
    this.setData({ busy: true });
    try {
      const item = await api.appointmentAction(this.id, action, body);
      supersede(this);
      this.show(item, true);
      this.setData({ busy: false });
      toast(done, 'success');
      await this.loadStation(item);
      return item;
    } catch (err) {
      this.setData({ busy: false }); // the message is shown by the API module
      return null;
    }
  },

  // 确认 / 改约: a time in the future (China time) and a place; a blank place is, at 确认, the reception
  // day's or the station's, and at 改约 the place agreed (the server's rule too).
  confirm() {
    const f = this.data.form;
    const at = meetAt(f.date, f.time);
    if (!at) {
      toast('请选择见面日期和时间');
      return null;
    }
    if (Date.parse(at) <= Date.now()) {
      toast('见面时间须晚于现在');
      return null;
    }
    if (this.data.busy) return null;
    const moving = this.data.item.status === 'confirmed';
    // The sweep reminds the deputy before the meeting (as it does the citizen): asked in this tap, busy
    // from the tap on, and a refusal does not stop the confirmation.
    this.setData({ busy: true });
    const asked = consent(config.subscribeTemplates.appointmentResult);
    return asked.then(() => {
      this.setData({ busy: false }); // act() takes it again at once
      return this.act('confirm', { meet_at: at, place: f.place.trim(), note: f.note.trim() }, moving ? '已改约' : '已确认');
    });
  },

  decline() {
    const reason = String(this.data.form.reason || '').trim();
    if (!reason) {
      toast('请填写婉拒理由');
      return null;
    }
    return this.act('decline', { reason }, '已婉拒');
  },

  complete() {
    return this.act('complete', { note: String(this.data.form.completeNote || '').trim() }, '已标记接待');
  },

  // The citizen: asked to be sure, with an optional reason the deputy is told.
  cancel() {
    return confirmFirst(this, {
      // Editable: WeChat shows `content` as the box's text, so only the title asks.
      title: '确定取消这次约见吗？', editable: true, placeholderText: '取消原因（选填），将告知代表',
      confirmText: '取消约见', cancelText: '再想想',
    }, (res) => this.act('cancel', { note: String(res.content || '').trim() }, '已取消'));
  },
});
