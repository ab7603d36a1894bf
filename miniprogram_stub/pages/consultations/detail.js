// A draft regulation put out for comment (立法意见征集), read article by article, and an opinion on one
// article or on the whole: one Idempotency-Key per opinion, kept for every retry of it (a new one after a
// refusal or once it is given); then the caller's opinions on this draft with the feedback. The feedback is
// also a subscribe message (办理结果通知), asked for in the tap, before the opinion is sent.
const api = require('../../utils/api');
const { keyReused } = require('../../utils/resubmit');
const config = require('../../config');
const { say, toast, submitWithConsent } = require('../../utils/wxp');
const { presentConsultation, presentOpinion } = require('../../utils/consultations');

const CONTENT_MAX = 2000;
const PHONE_PATTERN = /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/;
const WHOLE = '对草案整体提意见';

Page({
  data: {
    loading: true,
    error: '',
    consultation: null,
    choices: [WHOLE], // the picker: the whole draft, then each article's number
    articleIndex: 0,
    content: '',
    contactPhone: '',
    contentMax: CONTENT_MAX,
    submitting: false,
    mine: [],
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.submitKey = api.newIdempotencyKey();
    return this.load();
  },

  async load() {
    this.setData({ error: '' });
    try {
      const c = await api.consultation(this.id);
      this.setData({
        loading: false,
        consultation: presentConsultation(c),
        choices: [WHOLE].concat(c.articles.map((a) => a.number)),
      });
      wx.setNavigationBarTitle({ title: '立法意见征集' });
    } catch (err) {
      this.setData({ loading: false, error: err.message });
      return null;
    }
    return this.loadMine();
  },

  async loadMine() {
    try {
      const page = await api.myOpinions({ consultation_id: this.id, per_page: 50 });
      this.setData({ mine: page.items.map(presentOpinion) });
    } catch (err) {
      // The API module has shown the message; the draft stays readable.
    }
  },

  // 对本条提意见 beside an article: the form below with that article chosen.
  onArticle(e) {
    const id = Number(e.currentTarget.dataset.id);
    const index = this.data.consultation.articles.findIndex((a) => a.id === id);
    this.setData({ articleIndex: index + 1 });
  },

  onPick(e) { this.setData({ articleIndex: Number(e.detail.value) }); },
  onContent(e) { this.setData({ content: e.detail.value }); },
  onPhone(e) { this.setData({ contactPhone: e.detail.value }); },

  validate() {
    if (!this.data.content.trim()) return '请填写您的意见。';
    if (this.data.content.trim().length > CONTENT_MAX) return `意见最多 ${CONTENT_MAX} 字。`;
    const phone = this.data.contactPhone.trim();
    if (phone && !PHONE_PATTERN.test(phone)) return '联系电话格式不正确，请填写手机号或座机号。';
    return '';
  },

  // The feedback (采纳、部分采纳或未采纳) is a subscribe message (办理结果通知), asked for in the tap, before the
  // opinion is sent.
  submit() {
    const c = this.data.consultation;
    if (!c || !c.accepting) return Promise.resolve(null);
    return submitWithConsent(this, config.subscribeTemplates.answer);
  },

  async send() {
    const c = this.data.consultation;
    const data = { content: this.data.content.trim() };
    if (this.data.articleIndex > 0) data.article_id = c.articles[this.data.articleIndex - 1].id;
    if (this.data.contactPhone.trim()) data.contact_phone = this.data.contactPhone.trim();
    try {
      const opinion = await api.giveOpinion(this.id, data, this.submitKey);
      this.submitKey = api.newIdempotencyKey();
      toast('已提交', 'success');
      this.setData({ content: '', articleIndex: 0 });
      await this.loadMine();
      return opinion;
    } catch (err) {
      if (keyReused(err)) {
        // Sent before, the answer lost, the words changed since: it is among 我的意见 on this page.
        this.submitKey = api.newIdempotencyKey();
        say('您的意见此前已提交成功（当时网络中断，未能显示结果），可在本页“我的意见”中查看，无需重复提交。');
        await this.loadMine();
      } else if (err && (err.status === 422 || err.status === 409)) {
        this.submitKey = api.newIdempotencyKey();
        say(api.errorDetail(err));
        if (err.status === 409) await this.load(); // closed meanwhile: the page says so, without the form
      }
      return null;
    } finally {
      this.setData({ submitting: false });
    }
  },
});
