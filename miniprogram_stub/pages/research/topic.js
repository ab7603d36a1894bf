// A research topic (调研清单) for a deputy: what it asks, the congress, the due date, 已领 N/M 团队, the teams
// that took it with their reports' states; 领题 (揭榜) where the server says the deputy may (`can_take`),
// with an optional group name — the caller leads the team. Members are not chosen here: the API offers a
// deputy no list of the colleagues who may join (only administrators have the deputy picker). One
// Idempotency-Key per 领题, kept for a retry after a lost answer; a refusal shows the server's sentence and
// the topic read again (名额已满, 您已在本课题的调研团队中…).
const api = require('../../utils/api');
const { say, toast } = require('../../utils/wxp');
const { presentTopic, presentTeam } = require('../../utils/research');

const GROUP_NAME_MAX = 50;
const REFUSED = [403, 409, 422]; // what api.takeResearchTopic leaves to the page

Page({
  data: {
    loading: true,
    error: '',
    topic: null,
    teams: [],
    groupName: '',
    groupNameMax: GROUP_NAME_MAX,
    submitting: false,
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.takeKey = api.newIdempotencyKey();
    return this.load();
  },

  async load(options) {
    this.setData({ error: '' });
    try {
      const t = await api.researchTopic(this.id, options);
      const user = api.getUser();
      const deputyId = user ? user.deputy_id : null;
      this.setData({
        loading: false,
        topic: presentTopic(t),
        teams: (t.teams || []).map((team) => presentTeam(team, deputyId)),
      });
      return t;
    } catch (err) {
      this.setData({ loading: false, error: err.message });
      return null;
    }
  },

  onGroupName(e) { this.setData({ groupName: e.detail.value }); },

  async take() {
    const topic = this.data.topic;
    if (!topic || !topic.can_take || this.data.submitting) return null;
    const groupName = this.data.groupName.trim();
    if (Array.from(groupName).length > GROUP_NAME_MAX) {
      say(`团队名称最多 ${GROUP_NAME_MAX} 字。`);
      return null;
    }
    this.setData({ submitting: true });
    try {
      const team = await api.takeResearchTopic(this.id, { group_name: groupName }, this.takeKey);
      this.takeKey = api.newIdempotencyKey();
      toast('领题成功', 'success');
      wx.redirectTo({ url: '/pages/research/team?id=' + team.id });
      return team;
    } catch (err) {
      if (err && REFUSED.indexOf(err.status) >= 0) {
        // Refused: a new key for a new attempt, the server's sentence, and the topic as it is now.
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
