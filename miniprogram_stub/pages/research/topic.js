// A research topic (调研清单) for a deputy: what it asks, the congress, the due date, 已领 N/M 团队, the teams
// that took it with their reports' states; 领题 (揭榜) where the server says the deputy may (`can_take`),
// with an optional group name and the members the lead names — the caller leads the team. Members are found
// by name among the colleagues the server says may join (GET /research/topics/{id}/eligible-members: in
// office, in the topic's reach, on no team of it), page by page, at most 20 besides the lead. One
// Idempotency-Key per 领题, kept for a retry after a lost answer; a refusal shows the server's sentence and
// the topic read again (名额已满, 您已在本课题的调研团队中…, a member on another team), the members chosen kept.
// A withdrawn topic says so (该课题已撤回) and offers neither 领题 nor the team, which no longer goes on.
const api = require('../../utils/api');
const { keyReused, leadToEarlier } = require('../../utils/resubmit');
const config = require('../../config');
const { say, toast, submitWithConsent } = require('../../utils/wxp');
const { presentTopic, presentTeam } = require('../../utils/research');
const { latestLoad } = require('../../utils/latest');

const GROUP_NAME_MAX = 50;
const MEMBERS_MAX = 20; // the API's limit, besides the lead
const MEMBERS_PER_PAGE = 20;
const REFUSED = [403, 409, 422]; // what api.takeResearchTopic leaves to the page

// The candidates as listed, each marked when already chosen.
function marked(candidates, chosen) {
  const ids = chosen.map((m) => m.id);
  return candidates.map((c) => Object.assign({}, c, { chosen: ids.indexOf(c.id) >= 0 }));
}

Page({
  data: {
    loading: true,
    error: '',
    topic: null,
    teams: [],
    groupName: '',
    groupNameMax: GROUP_NAME_MAX,
    submitting: false,
    // The members search: what is typed, the keyword of the results shown, the results page by page.
    memberKeyword: '',
    memberSearched: '',
    memberSearchDone: false,
    memberSearching: false,
    memberError: '',
    memberPage: 0,
    memberHasMore: false,
    candidates: [],
    chosen: [],
    membersMax: MEMBERS_MAX,
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.takeKey = api.newIdempotencyKey();
    return this.load();
  },

  // Back from the team's page (放弃领题, 退出团队) or anywhere, the page shows the topic as it is now: the
  // 领题 form again, or 名额已满, as the server says.
  onShow() {
    if (!this.shownOnce) {
      this.shownOnce = true; // the first show is onLoad's
      return null;
    }
    return this.load();
  },

  onPullDownRefresh() {
    return this.load().then(() => wx.stopPullDownRefresh());
  },

  // Only the latest read of the topic shows: one still on its way when a later one (shown again, pulled
  // down, a refusal's re-read) answers is dropped.
  load(options) {
    return latestLoad(this, async (current) => {
      const t = await api.researchTopic(this.id, options);
      if (!current()) return null;
      const user = api.getUser();
      const deputyId = user ? user.deputy_id : null;
      this.setData({
        loading: false,
        topic: presentTopic(t),
        teams: (t.teams || []).map((team) => presentTeam(team, deputyId)),
      });
      return t;
    }, { loading: !this.data.topic });
  },

  onGroupName(e) { this.setData({ groupName: e.detail.value }); },

  onMemberKeyword(e) { this.setData({ memberKeyword: e.detail.value }); },

  searchMembers() { return this.findMembers(true); },

  moreMembers() {
    if (!this.data.memberHasMore || this.data.memberSearching) return null;
    return this.findMembers(false);
  },

  // One page of the colleagues who may join: the first for a new keyword, else the next. Only the latest
  // search shows: an earlier answer coming back after it is dropped.
  async findMembers(reset) {
    const keyword = reset ? this.data.memberKeyword.trim() : this.data.memberSearched;
    const next = reset ? 1 : this.data.memberPage + 1;
    this.memberSeq = (this.memberSeq || 0) + 1;
    const seq = this.memberSeq;
    this.setData(Object.assign({ memberSearching: true, memberError: '' },
      reset ? { memberKeyword: keyword, memberSearched: keyword, candidates: [], memberSearchDone: false } : {}));
    const query = { page: next, per_page: MEMBERS_PER_PAGE };
    if (keyword) query.q = keyword;
    try {
      const res = await api.researchEligibleMembers(this.id, query);
      if (seq !== this.memberSeq) return null;
      const rows = res.items || [];
      const shown = reset ? [] : this.data.candidates;
      const ids = shown.map((c) => c.id);
      const candidates = shown.concat(rows.filter((r) => ids.indexOf(r.id) < 0));
      this.setData({
        candidates: marked(candidates, this.data.chosen),
        memberPage: next,
        memberHasMore: rows.length > 0 && (next - 1) * MEMBERS_PER_PAGE + rows.length < res.total,
        memberSearching: false,
        memberSearchDone: true,
      });
      return candidates;
    } catch (err) {
      if (seq !== this.memberSeq) return null;
      this.setData({ memberSearching: false, memberError: err.message });
      return null;
    }
  },

  addMember(e) {
    const id = e.currentTarget.dataset.id;
    const chosen = this.data.chosen;
    if (chosen.some((m) => m.id === id)) return;
    if (chosen.length >= MEMBERS_MAX) {
      say(`调研团队成员最多 ${MEMBERS_MAX} 位（不含牵头代表）。`);
      return;
    }
    const found = this.data.candidates.find((c) => c.id === id);
    if (!found) return;
    const next = chosen.concat([{ id: found.id, name: found.name, level_label: found.level_label, region_name: found.region_name }]);
    this.setData({ chosen: next, candidates: marked(this.data.candidates, next) });
  },

  removeMember(e) {
    const id = e.currentTarget.dataset.id;
    const next = this.data.chosen.filter((m) => m.id !== id);
    this.setData({ chosen: next, candidates: marked(this.data.candidates, next) });
  },

  // 领题 asks for 调研课题进展通知 in the tap, as the report does (the lead is told of a withdrawal, a member
  // leaving, the report's review); a refusal stops nothing.
  take() {
    const topic = this.data.topic;
    if (!topic || topic.withdrawn || !topic.can_take) return Promise.resolve(null);
    return submitWithConsent(this, config.subscribeTemplates.research);
  },

  validate() {
    if (Array.from(this.data.groupName.trim()).length > GROUP_NAME_MAX) return `团队名称最多 ${GROUP_NAME_MAX} 字。`;
    return '';
  },

  async send() {
    const body = { group_name: this.data.groupName.trim() };
    if (this.data.chosen.length) body.member_deputy_ids = this.data.chosen.map((m) => m.id);
    try {
      const team = await api.takeResearchTopic(this.id, body, this.takeKey);
      this.takeKey = api.newIdempotencyKey();
      toast('领题成功', 'success');
      wx.redirectTo({ url: '/pages/research/team?id=' + team.id });
      return team;
    } catch (err) {
      if (keyReused(err)) {
        // Taken before, the answer lost, the members changed since: the team is in 我的调研.
        this.takeKey = api.newIdempotencyKey();
        if (await leadToEarlier({
          content: '您此前已领题成功（当时网络中断，未能显示结果），可到“我的调研”查看团队。', url: '/pages/research/mine',
        })) return null;
        await this.load({ quiet: true });
      } else if (err && REFUSED.indexOf(err.status) >= 0) {
        // Refused: a new key for a new attempt, the server's sentence, and the topic as it is now; the
        // members chosen stay, for the lead to change those the sentence names.
        this.takeKey = api.newIdempotencyKey();
        say(api.errorDetail(err));
        await this.load({ quiet: true });
      }
      return null;
    } finally {
      this.setData({ submitting: false });
    }
  },

  openTeam(e) {
    wx.navigateTo({ url: '/pages/research/team?id=' + e.currentTarget.dataset.id });
  },
});
