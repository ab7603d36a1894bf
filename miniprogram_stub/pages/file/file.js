// Filing a micro-suggestion (微建议) through a deputy's or a station's code: category, text, up to 9
// photos (wx.chooseMedia → POST /uploads), location (wx.getLocation), anonymous and publish switches,
// nearby open items of the same category (follow instead of filing twice), subscribe before submitting.
const api = require('../../utils/api');
const config = require('../../config');
const { wxp, toast, submitWithConsent, consent } = require('../../utils/wxp');
const { formatTime, PHONE_PATTERN, PHONE_MESSAGE } = require('../../utils/format');
const { photoMethods } = require('../../utils/photos');
const { keyReused, leadToEarlier } = require('../../utils/resubmit');

// The photo methods (choosePhotos, uploadPhoto, retryPhoto, removePhoto) are utils/photos.js's.
Page(Object.assign({
  data: {
    code: '',
    targetName: '',
    kind: '',
    loading: true,
    error: '',
    categories: [],
    categoryIndex: -1,
    content: '',
    contactPhone: '',
    photos: [], // {key, path, status: 'uploading' | 'done' | 'failed', id}
    maxPhotos: config.maxPhotos,
    location: null, // {lat, lng, address}
    locating: false,
    anonymous: false,
    publicConsent: false,
    nearby: [],
    submitting: false,
  },

  onLoad(options) {
    const opts = options || {};
    // One key for this filing: a retried submit (lost answer, second tap) cannot file twice.
    this.submitKey = api.newIdempotencyKey();
    this.setData({
      code: opts.code || '',
      targetName: opts.name ? decodeURIComponent(opts.name) : '',
      kind: opts.kind || '',
    });
    return this.loadCategories();
  },

  async loadCategories() {
    this.setData({ loading: true, error: '' });
    try {
      const res = await api.categories();
      this.setData({ categories: res.categories || [], loading: false });
    } catch (err) {
      this.setData({ loading: false, error: err.message });
    }
  },

  category() {
    return this.data.categories[this.data.categoryIndex] || '';
  },

  onCategoryChange(e) {
    this.setData({ categoryIndex: Number(e.detail.value) });
    return this.checkNearby();
  },

  onContentInput(e) {
    this.setData({ content: e.detail.value });
  },

  onPhoneInput(e) {
    this.setData({ contactPhone: e.detail.value });
  },

  onAnonymousChange(e) {
    this.setData({ anonymous: !!e.detail.value });
  },

  onPublicChange(e) {
    this.setData({ publicConsent: !!e.detail.value });
  },

  // --- location and nearby duplicates -------------------------------------------------------------

  async locate() {
    this.setData({ locating: true });
    try {
      const loc = await wxp('getLocation', { type: 'gcj02' });
      this.setData({ location: { lat: loc.latitude, lng: loc.longitude, address: '' }, locating: false });
    } catch (e) {
      this.setData({ locating: false });
      wx.showModal({
        title: '无法获取位置',
        content: '请在设置中允许“码上办”使用您的位置，或不填写位置直接提交。',
        showCancel: false,
      });
      return null;
    }
    await this.checkNearby();
    return this.data.location;
  },

  clearLocation() {
    this.nearbySeq = (this.nearbySeq || 0) + 1; // an answer on its way is for the place cleared
    this.setData({ location: null, nearby: [] });
  },

  // Open items of the same category within 200 m: the citizen may follow one instead of filing again.
  // Only the answer for the category and place chosen last shows: an earlier one arriving late is dropped.
  async checkNearby() {
    const seq = (this.nearbySeq || 0) + 1;
    this.nearbySeq = seq;
    const category = this.category();
    const loc = this.data.location;
    if (!category || !loc) {
      this.setData({ nearby: [] });
      return [];
    }
    let nearby = [];
    try {
      const res = await api.nearby({ category, lat: loc.lat, lng: loc.lng });
      nearby = (res.items || []).map((i) => Object.assign({}, i, { createdText: formatTime(i.created_at) }));
    } catch (err) {
      nearby = [];
    }
    if (this.nearbySeq !== seq) return [];
    this.setData({ nearby });
    return nearby;
  },

  // The notices a follower gets are those of filing (accepted, replied, reopened): asked in this tap, as
  // WeChat requires; a refusal does not stop following.
  async follow(e) {
    const id = e.currentTarget.dataset.id;
    if (this.following) return null; // a double tap follows once
    this.following = true;
    const ids = config.subscribeTemplates.citizen;
    const answer = await consent(ids);
    try {
      await api.suggestionAction(id, 'follow');
    } catch (err) {
      return null;
    } finally {
      this.following = false;
    }
    const notified = !!answer && ids.some((t) => answer[t] === 'accept');
    toast(notified ? '已关注，办理进展会通知您' : '已关注', 'success');
    wx.redirectTo({ url: '/pages/suggestion/detail?id=' + id });
    return id;
  },

  // --- submit -------------------------------------------------------------------------------------

  validate() {
    if (!this.data.code) return '二维码信息缺失，请重新扫码。';
    if (!this.category()) return '请选择问题类别';
    if (!this.data.content.trim()) return '请填写问题描述';
    const phone = this.data.contactPhone.trim();
    if (phone && !PHONE_PATTERN.test(phone)) return PHONE_MESSAGE;
    if (this.data.photos.some((p) => p.status === 'uploading')) return '照片正在上传，请稍候';
    if (this.data.photos.some((p) => p.status === 'failed')) return '有照片上传失败，请点击重试或删除后再提交。';
    return '';
  },

  // The progress notices are asked for in the tap, before the filing.
  submit() {
    return submitWithConsent(this, config.subscribeTemplates.citizen);
  },

  async send() {
    const d = this.data;
    const body = {
      qr_code: d.code,
      category: this.category(),
      content: d.content.trim(),
      anonymous: d.anonymous,
      public_consent: d.publicConsent,
      attachment_ids: d.photos.map((p) => p.id),
    };
    if (d.location) body.location = { lat: d.location.lat, lng: d.location.lng, address: d.location.address || '' };
    if (d.contactPhone.trim()) body.contact_phone = d.contactPhone.trim();
    try {
      const item = await api.fileSuggestion(body, this.submitKey);
      this.setData({ submitting: false });
      toast('提交成功', 'success');
      wx.redirectTo({ url: '/pages/suggestion/detail?id=' + item.id });
      return item;
    } catch (err) {
      // The key stays, so tapping again cannot file twice. A 422 says what to correct, in the server's
      // words (the API module showed only its general sentence).
      this.setData({ submitting: false });
      if (keyReused(err)) {
        // Filed before, the answer lost, the words changed since: it is in 我的; a new tap files anew.
        this.submitKey = api.newIdempotencyKey();
        await leadToEarlier({
          content: '您的建议此前已提交成功（当时网络中断，未能显示结果），可到“我的”查看，无需重复提交。', url: '/pages/mine/mine',
        });
      } else if (err.status === 422) {
        api.showCorrections(err);
      }
      return null;
    }
  },
}, photoMethods));
