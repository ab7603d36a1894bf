// One suggestion with its timeline (台账). The path is the one the server's subscribe messages open
// (pages/suggestion/detail?id=...), for citizens and deputies alike:
// - the citizen who filed or follows it: status, reply, timeline, the rating form once replied, withdraw;
// - the deputy it is assigned to: accept, return, progress, forward (with the work order's number),
//   department feedback (with the deputy's satisfaction: 不满意 puts the item under supervision), reply.
const api = require('../../utils/api');
const config = require('../../config');
const { confirmFirst, consent, toast } = require('../../utils/wxp');
const { SATISFACTION, dueText, formatTime, presentSuggestion } = require('../../utils/format');
const { latestLoad, supersede } = require('../../utils/latest');

const FORWARD_TARGETS = [
  { value: 'department', label: '政府职能部门' },
  { value: 'hotline_12345', label: '12345 热线人大代表通道' },
];

// 落实: the reply says whether the problem was solved, for the citizen and the 落实率.
const OUTCOMES = [
  { value: 'true', label: '已落实（问题已解决）' },
  { value: 'false', label: '未落实（已答复说明原因或计划）' },
];

// The fields of the steps' bodies as the forms name them, for the server's sentences on a 422.
const FIELD_LABELS = {
  note: '说明', reason: '退回理由', department: '承办部门', work_order_no: '工单编号', content: '答复内容',
  comment: '评价意见', target: '转办到', department_satisfaction: '满意度', satisfaction: '满意程度', implemented: '办理结果',
};

const EMPTY_FORM = {
  note: '', reason: '', reply: '', implemented: '', department: '', workOrderNo: '', departmentSatisfaction: '',
  forwardTargetIndex: 0,
};

Page({
  data: {
    loading: true,
    error: '',
    item: null,
    photos: [],
    isHandler: false,
    dueText: '',
    canRate: false,
    canWithdraw: false,
    busy: false,
    satisfactionOptions: SATISFACTION,
    rating: { satisfaction: '', comment: '' },
    commentPlaceholder: '意见或建议（选填）',
    forwardTargets: FORWARD_TARGETS,
    outcomes: OUTCOMES,
    form: Object.assign({}, EMPTY_FORM),
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  // Only the latest word on the item shows: a refresh still on its way when a step answers (the step's
  // answer is the item as it is now) is dropped, as is one overtaken by a later refresh.
  load() {
    return latestLoad(this, async (current) => {
      const item = await api.suggestion(this.id);
      if (!current()) return null;
      this.show(item);
      this.setData({ loading: false });
      await this.loadPhotos(item.attachments || []);
      return item;
    }, { loading: !this.data.item });
  },

  show(item) {
    const user = api.getUser();
    const isHandler = api.handles(user, item);
    const shown = presentSuggestion(item);
    // Only its filer rates or withdraws an item: not a citizen who follows it, nor a deputy who returned it.
    this.setData({
      item: shown,
      isHandler,
      // The deadline its clock runs to (to be dispatched, accepted, answered), as its list rows show it short.
      dueText: dueText(item, isHandler, formatTime),
      canRate: shown.own && item.status === 'replied',
      canWithdraw: shown.own && (item.status === 'pending' || item.status === 'assigned'),
      // 同意公开 is the filer's to withdraw (or give again) at any time (个人信息保护法 第十五条).
      canChangeConsent: shown.own,
    });
  },

  // The handling deputy calls the citizen back on the number they left.
  call() {
    const phone = this.data.item && this.data.item.contact_phone;
    if (phone) wx.makePhoneCall({ phoneNumber: phone, fail: () => null });
  },

  // Where the problem is, on WeChat's map (the location was taken with getLocation's gcj02).
  openMap() {
    const loc = this.data.item && this.data.item.location;
    if (!loc || typeof loc.lat !== 'number' || typeof loc.lng !== 'number') return;
    wx.openLocation({ latitude: loc.lat, longitude: loc.lng, name: this.data.item.category || '', address: loc.address || '', fail: () => null });
  },

  // A duplicate merged into another item: that item carries on, and this citizen follows it (its follower view,
  // whatever its citizen's consent), unless it is held for review (merged_into_followed false: it would answer 404).
  openMerged() {
    const item = this.data.item;
    if (item && item.merged_into && item.merged_into_followed !== false) {
      wx.navigateTo({ url: '/pages/suggestion/detail?id=' + item.merged_into });
    }
  },

  // Photos are served to those who may see the item, with the token: fetched, then shown from a local path.
  async loadPhotos(attachments) {
    const photos = [];
    for (const a of attachments) {
      try {
        photos.push(await api.downloadImage(a.url));
      } catch (e) { /* a missing photo does not hide the item */ }
    }
    this.setData({ photos });
  },

  preview(e) {
    wx.previewImage({ urls: this.data.photos, current: e.currentTarget.dataset.src });
  },

  // --- shared by every step -----------------------------------------------------------------------

  onFormInput(e) {
    this.setData({ ['form.' + e.currentTarget.dataset.field]: e.detail.value });
  },

  onOutcomeChange(e) {
    this.setData({ 'form.implemented': e.detail.value });
  },

  onForwardTargetChange(e) {
    this.setData({ 'form.forwardTargetIndex': Number(e.detail.value) });
  },

  onDepartmentSatisfactionChange(e) {
    this.setData({ 'form.departmentSatisfaction': e.detail.value });
  },

  async act(action, body, done) {
    if (this.data.busy) return null;
    this.setData({ busy: true });
    try {
      const item = await api.suggestionAction(this.id, action, body, { quiet: [422] });
      supersede(this);
      this.show(item);
      this.setData({ busy: false, form: Object.assign({}, EMPTY_FORM) });
      toast(done, 'success');
      return item;
    } catch (err) {
      this.setData({ busy: false }); // the message is shown by the API module, a 422's here: what to correct
      if (err.status === 422) {
        api.showCorrections(err, FIELD_LABELS);
      } else if (err.status === 409 || err.status === 403) {
        // Refused: the item moved on meanwhile (taken, answered, withdrawn, on another phone), or the caller
        // may no longer take the step. The item as it is now, without a step that can only be refused again.
        await this.load();
      }
      return null;
    }
  },

  // A step after WeChat's consent for ``tmplIds``, asked in the tap (as WeChat requires), once for a
  // double tap; a refusal does not stop the step.
  async actWithConsent(tmplIds, action, body, done) {
    if (this.data.busy || this.consenting) return null;
    this.consenting = true;
    await consent(tmplIds);
    this.consenting = false;
    return this.act(action, body, done);
  },

  required(value, prompt) {
    const text = String(value || '').trim();
    if (!text) toast(prompt);
    return text;
  },

  // --- the deputy ---------------------------------------------------------------------------------

  // 接单, with WeChat's consent for 督办 while the deputy handles it (asked in the tap, as WeChat requires).
  accept() {
    return this.actWithConsent(config.subscribeTemplates.handling, 'accept', {}, '已接单');
  },

  returnItem() {
    const reason = this.required(this.data.form.reason, '请填写退回理由');
    return reason ? this.act('return', { reason }, '已退回') : null;
  },

  addProgress() {
    const note = this.required(this.data.form.note, '请填写办理进展');
    return note ? this.act('progress', { note }, '已记录进展') : null;
  },

  forward() {
    const target = FORWARD_TARGETS[this.data.form.forwardTargetIndex].value;
    const note = this.required(this.data.form.note, '请填写转办说明');
    if (!note) return null;
    const body = { target, note };
    if (target === 'department') {
      const department = this.required(this.data.form.department, '请填写承办部门');
      if (!department) return null;
      body.department = department;
    }
    // 工单编号: the number the department or the 12345 hotline gave the work order, when there is one.
    const workOrderNo = String(this.data.form.workOrderNo || '').trim();
    if (workOrderNo) body.work_order_no = workOrderNo;
    return this.act('forward', body, '已转办');
  },

  // The department's answer and how satisfied the deputy is with it: 不满意 puts the item under the
  // station's supervision (督办), and the deputy may forward it again.
  feedback() {
    const note = this.required(this.data.form.note, '请填写部门反馈');
    if (!note) return null;
    const satisfaction = this.data.form.departmentSatisfaction;
    if (!satisfaction) {
      toast('请选择对部门办理结果的满意度');
      return null;
    }
    const done = satisfaction === 'dissatisfied' ? '已转入督办' : '已记录反馈';
    return this.act('feedback', { note, department_satisfaction: satisfaction }, done);
  },

  reply() {
    const content = this.required(this.data.form.reply, '请填写答复内容');
    if (!content) return null;
    const implemented = this.data.form.implemented;
    if (!implemented) {
      toast('请选择办理结果');
      return null;
    }
    // With consent to be told if the citizen is not satisfied and the item comes back (重新交办).
    return this.actWithConsent(config.subscribeTemplates.replying, 'reply', { content, implemented: implemented === 'true' }, '已答复');
  },

  // --- the citizen --------------------------------------------------------------------------------

  onSatisfactionChange(e) {
    const satisfaction = e.detail.value;
    this.setData({
      'rating.satisfaction': satisfaction,
      commentPlaceholder: satisfaction === 'dissatisfied' ? '请写明不满意的原因（必填）' : '意见或建议（选填）',
    });
  },

  onCommentInput(e) {
    this.setData({ 'rating.comment': e.detail.value });
  },

  rate() {
    const { satisfaction, comment } = this.data.rating;
    if (!satisfaction) {
      toast('请选择满意程度');
      return null;
    }
    // 不满意 sends the item round again (or, in the last round, to 督办): the deputy and the station need to know
    // what was wrong. The API takes a rating without a comment; the page asks for one before anything is sent.
    if (satisfaction === 'dissatisfied' && !comment.trim()) {
      toast('请写明不满意的原因');
      return null;
    }
    const body = { satisfaction, comment: comment.trim() };
    // 不满意 sends the item round again: the citizen is asked to be told of its next answer.
    if (satisfaction === 'dissatisfied') return this.actWithConsent(config.subscribeTemplates.reopening, 'rate', body, '感谢您的评价');
    return this.act('rate', body, '感谢您的评价');
  },

  withdraw() {
    return confirmFirst(this, { title: '撤回建议', content: '撤回后将不再办理，确定撤回吗？' },
      () => this.act('withdraw', {}, '已撤回'));
  },

  // 撤回公开同意 (or 同意公开 again): the item leaves the public pages and 附近建议 at once, or may be shown there.
  changeConsent() {
    const item = this.data.item;
    if (!item) return null;
    const withdrawing = !!item.public_consent;
    const options = withdrawing
      ? { title: '撤回公开同意', content: '撤回后，这条建议将不再在公开页面和附近建议中展示，其他群众也不能再关注。确定撤回吗？' }
      : { title: '同意公开', content: '同意后，这条建议去除姓名、电话、门牌号等个人信息后，可在附近建议中提示其他群众，办结后在公开页面展示。确定同意吗？' };
    return confirmFirst(this, options, () => this.act('public-consent', { public_consent: !withdrawing },
      withdrawing ? '已撤回公开同意' : '已同意公开'));
  },
});
