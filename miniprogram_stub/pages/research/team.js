// A research team (调研清单), the page the `research` notices open (pages/research/team?id=): the topic, the
// members, the report's state — 待审核, 退回修改 with the reason, 已通过, 获领导批示 with who and what — and, for
// the lead, the report's form (the first time, or again after 退回修改): a title, the body with a counter
// against the server's limit, photos through POST /uploads as filing sends them. One Idempotency-Key per
// submission, kept for a retry after a lost answer; a refusal (409, 422) shows the server's sentences.
// 放弃领题 for the lead while no report is in; 退出团队 for a member the lead named, until the report is
// accepted. 调研课题进展通知 is asked for in the tap, before the report goes.
const api = require('../../utils/api');
const { keyReused } = require('../../utils/resubmit');
const config = require('../../config');
const { say, toast, submitWithConsent, confirmFirst } = require('../../utils/wxp');
const { presentTopic, presentTeam } = require('../../utils/research');
const { photoMethods } = require('../../utils/photos');

const TITLE_MAX = 100; // schemas/research.py ResearchReportIn
const BODY_MAX = 20000;
const REFUSED = [403, 409, 422]; // what api.submitResearchReport / abandonResearchTeam / leaveResearchTeam leave to the page

// As the server counts (trimmed, by character, not by UTF-16 unit).
const length = (text) => Array.from((text || '').trim()).length;

// The photo methods (choosePhotos, uploadPhoto, retryPhoto, removePhoto) are utils/photos.js's.
Page(Object.assign({
  data: {
    loading: true,
    error: '',
    team: null,
    topic: null,
    title: '',
    body: '',
    bodyLength: 0,
    titleMax: TITLE_MAX,
    bodyMax: BODY_MAX,
    photos: [], // {key, path, status: 'uploading' | 'done' | 'failed', id}
    maxPhotos: config.maxPhotos,
    reportPhotos: [], // the report's own photos as local paths
    submitting: false,
    busy: false,
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.submitKey = api.newIdempotencyKey();
    return this.load();
  },

  async load(options) {
    this.setData({ error: '' });
    let team;
    try {
      team = await api.researchTeam(this.id, options);
    } catch (err) {
      this.setData({ loading: false, error: err.message });
      return null;
    }
    const user = api.getUser();
    const shown = presentTeam(team, user ? user.deputy_id : null);
    const changes = { loading: false, team: shown };
    // The form starts from the report returned (退回修改), its photos carried over; a fresh one is empty.
    if (shown.canSubmit && !this.data.title && !this.data.body && shown.report) {
      Object.assign(changes, {
        title: shown.report.title, body: shown.report.body || '', bodyLength: length(shown.report.body),
        photos: (shown.report.photos || []).map((p) => ({ key: 'kept-' + p.id, path: '', status: 'done', id: p.id, url: p.url })),
      });
    }
    this.setData(changes);
    await Promise.all([this.loadTopic(team.topic_id), this.loadPhotos(shown.report)]);
    return team;
  },

  // The topic's title and due date; the team stays readable without them. A topic withdrawn takes no report
  // (the server would refuse it: 该课题已撤回): no form.
  async loadTopic(topicId) {
    try {
      const topic = presentTopic(await api.researchTopic(topicId, { quiet: true }));
      const changes = { topic };
      if (topic.status === 'withdrawn' && this.data.team) changes['team.canSubmit'] = false;
      this.setData(changes);
    } catch (err) {
      this.setData({ topic: null });
    }
  },

  // Protected photos: fetched with the token, one by one; one that fails is left out.
  async loadPhotos(report) {
    const photos = (report && report.photos) || [];
    const paths = await Promise.all(photos.map((p) => api.downloadImage(p.url).catch(() => '')));
    this.setData({ reportPhotos: paths.filter((p) => !!p) });
    const kept = {};
    photos.forEach((p, i) => { kept[p.id] = paths[i]; });
    this.setData({ photos: this.data.photos.map((p) => (p.path || !kept[p.id] ? p : Object.assign({}, p, { path: kept[p.id] }))) });
  },

  onTitle(e) { this.setData({ title: e.detail.value }); },
  onBody(e) { this.setData({ body: e.detail.value, bodyLength: length(e.detail.value) }); },

  // --- the report ------------------------------------------------------------------------------------

  validate() {
    const d = this.data;
    if (!d.title.trim()) return '请填写报告标题。';
    if (length(d.title) > TITLE_MAX) return `报告标题最多 ${TITLE_MAX} 字。`;
    if (!d.body.trim()) return '请填写报告正文。';
    if (length(d.body) > BODY_MAX) return `报告正文最多 ${BODY_MAX} 字，现有 ${length(d.body)} 字。`;
    if (d.photos.some((p) => p.status === 'uploading')) return '照片正在上传，请稍候';
    if (d.photos.some((p) => p.status === 'failed')) return '有照片上传失败，请点击重试或删除后再提交。';
    return '';
  },

  submit() {
    if (!this.data.team || !this.data.team.canSubmit) return Promise.resolve(null);
    return submitWithConsent(this, config.subscribeTemplates.research);
  },

  async send() {
    const d = this.data;
    const data = { title: d.title.trim(), body: d.body.trim(), attachment_ids: d.photos.map((p) => p.id) };
    try {
      const report = await api.submitResearchReport(this.id, data, this.submitKey);
      this.submitKey = api.newIdempotencyKey();
      toast('已提交', 'success');
      this.setData({ title: '', body: '', bodyLength: 0, photos: [] });
      await this.load({ quiet: true });
      return report;
    } catch (err) {
      if (keyReused(err)) {
        // Submitted before, the answer lost, the report changed since: the page shows it as it is now.
        this.submitKey = api.newIdempotencyKey();
        say('您的调研报告此前已提交成功（当时网络中断，未能显示结果），无需重复提交。');
        await this.load({ quiet: true });
      } else if (err && REFUSED.indexOf(err.status) >= 0) {
        this.submitKey = api.newIdempotencyKey();
        say(api.errorDetail(err));
        if (err.status !== 422) await this.load({ quiet: true }); // reviewed or given up meanwhile
      }
      return null;
    } finally {
      this.setData({ submitting: false });
    }
  },

  // 放弃领题 (the lead, before a report): the place is free again, the team stays listed as 已放弃.
  abandon() {
    if (!this.data.team || !this.data.team.canAbandon) return Promise.resolve(null);
    return this.confirmedStep({
      title: '放弃领题', content: '放弃后名额让出，团队成员可以另行领题。确定放弃吗？', confirmText: '放弃领题',
    }, () => api.abandonResearchTeam(this.id), '已放弃领题', () => this.load({ quiet: true }));
  },

  // 退出团队 (a member the lead named, until the report is accepted): they no longer read the team, so the
  // page gives way to the topic's, where they may take it themself.
  leave() {
    if (!this.data.team || !this.data.team.canLeave) return Promise.resolve(null);
    return this.confirmedStep({
      title: '退出团队', content: '退出后不再是该调研团队的成员，报告通过审核时不计分；可以自行领题或参加其他团队。确定退出吗？',
      confirmText: '退出团队',
    }, () => api.leaveResearchTeam(this.id), '已退出团队',
    () => wx.redirectTo({ url: '/pages/research/topic?id=' + this.data.team.topic_id }));
  },

  // A step on the team the user confirms first: `call` sends it, `done` toasts and `after` follows it; a
  // refusal (the report reviewed or the team changed meanwhile) shows the server's sentence and reloads.
  confirmedStep(dialog, call, done, after) {
    return confirmFirst(this, dialog, async () => {
      this.setData({ busy: true });
      try {
        const team = await call();
        toast(done);
        await after();
        return team;
      } catch (err) {
        if (err && REFUSED.indexOf(err.status) >= 0) {
          say(api.errorDetail(err));
          await this.load({ quiet: true });
        }
        return null;
      } finally {
        this.setData({ busy: false });
      }
    });
  },

  openTopic() {
    if (this.data.team) wx.navigateTo({ url: '/pages/research/topic?id=' + this.data.team.topic_id });
  },

  preview(e) {
    wx.previewImage({ urls: this.data.reportPhotos, current: e.currentTarget.dataset.src });
  },
}, photoMethods));
