// 群众下单 (a citizen): propose a livelihood project to a congress — a city, county or township (villages
// have no people's congress); one Idempotency-Key for the proposal, kept for every retry; then 我的民生建议.
// The regions to choose from are those with a people's congress (GET /regions?levels=&congress=true; a
// village has none, nor has a 街道, whose people propose to their district's):
// reached from a station's or a deputy's card (options.region_id), the ones nearest to its region first
// (?around=: its township, county, city, province, then its neighbours); otherwise the top levels
// (province, city, county). A search (?q=) looks among every level with a congress, near the card's region
// first too. Each is shown with the regions above it (two townships may share a name). The answer (采纳 or
// 不予采纳) is a subscribe message (办理结果通知), asked for in the tap, before the proposal is sent.
const api = require('../../utils/api');
const { keyReused, leadToEarlier } = require('../../utils/resubmit');
const config = require('../../config');
const { say, toast, submitWithConsent } = require('../../utils/wxp');

const TITLE_MAX = 60;
const CONTENT_MAX = 1000;
const PHONE_PATTERN = /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/;
const CONGRESS_LEVELS = 'province,city,county,township';
const TOP_LEVELS = 'province,city,county';
const PER_PAGE = 100;

Page({
  data: {
    regions: [],
    regionIndex: -1,
    keyword: '', // what is typed in the search box
    searched: '', // the search of the regions listed
    moreRegions: false, // more regions than listed: a search finds the others
    title: '',
    content: '',
    contactPhone: '',
    titleMax: TITLE_MAX,
    contentMax: CONTENT_MAX,
    submitting: false,
    error: '',
  },

  onLoad(options) {
    this.submitKey = api.newIdempotencyKey();
    const around = String((options && options.region_id) || '');
    this.around = /^[1-9]\d{0,9}$/.test(around) ? around : '';
    return this.loadRegions();
  },

  async loadRegions() {
    const searched = this.data.searched;
    const query = { per_page: PER_PAGE, levels: searched || this.around ? CONGRESS_LEVELS : TOP_LEVELS, congress: true };
    if (this.around) query.around = this.around;
    if (searched) query.q = searched;
    this.asked = (this.asked || 0) + 1;
    const asked = this.asked;
    try {
      const page = await api.regions(query);
      if (asked !== this.asked) return; // a later search answers instead
      const chosen = this.data.regionIndex >= 0 ? this.data.regions[this.data.regionIndex].id : null;
      const regions = page.items.map((r) => Object.assign({}, r, { label: r.full_name || r.name }));
      // The region chosen stays chosen while the new list has it.
      this.setData({
        regions, regionIndex: regions.findIndex((r) => r.id === chosen), moreRegions: page.total > regions.length,
        error: '',
      });
    } catch (err) {
      if (asked === this.asked) this.setData({ error: err.message });
    }
  },

  onKeywordInput(e) { this.setData({ keyword: e.detail.value }); },

  search() {
    const keyword = (this.data.keyword || '').trim();
    this.setData({ keyword, searched: keyword });
    return this.loadRegions();
  },

  clearSearch() {
    this.setData({ keyword: '', searched: '' });
    return this.loadRegions();
  },

  onRegion(e) { this.setData({ regionIndex: Number(e.detail.value) }); },
  onTitle(e) { this.setData({ title: e.detail.value }); },
  onContent(e) { this.setData({ content: e.detail.value }); },
  onPhone(e) { this.setData({ contactPhone: e.detail.value }); },

  validate() {
    if (this.data.regionIndex < 0) return '请选择向哪一级人大提出。';
    if (!this.data.title.trim()) return '请填写项目名称。';
    if (!this.data.content.trim()) return '请填写项目内容。';
    const phone = this.data.contactPhone.trim();
    if (phone && !PHONE_PATTERN.test(phone)) return '联系电话格式不正确，请填写手机号或座机号。';
    return '';
  },

  submit() {
    return submitWithConsent(this, config.subscribeTemplates.answer);
  },

  async send() {
    const region = this.data.regions[this.data.regionIndex];
    const data = { region_id: region.id, title: this.data.title.trim(), content: this.data.content.trim() };
    if (this.data.contactPhone.trim()) data.contact_phone = this.data.contactPhone.trim();
    try {
      const proposal = await api.proposeLivelihood(data, this.submitKey);
      toast('已提交', 'success');
      wx.redirectTo({ url: '/pages/livelihood/proposals' });
      return proposal;
    } catch (err) {
      if (keyReused(err)) {
        // Sent before, the answer lost, the form changed since: it is in 我的民生建议; a new tap sends anew.
        this.submitKey = api.newIdempotencyKey();
        await leadToEarlier({
          content: '您的民生建议此前已提交成功（当时网络中断，未能显示结果），可到“我要下单”中查看，无需重复提交。',
          url: '/pages/livelihood/proposals',
        });
      } else if (err && err.status === 422) {
        this.submitKey = api.newIdempotencyKey();
        say(api.errorDetail(err));
      }
      return null;
    } finally {
      this.setData({ submitting: false });
    }
  },
});
