// One round's ballot (a deputy): each candidate 赞成 / 反对 / 弃权, all of them before 提交; one ballot,
// sent with one Idempotency-Key kept for every retry of it (a lost answer, a second tap), never changed
// afterwards: 已投票. The ballot is secret — the page never shows how anyone voted; the counts appear
// once the round is closed.
const api = require('../../utils/api');
const { keyReused } = require('../../utils/resubmit');
const { say, toast } = require('../../utils/wxp');
const { CHOICES, presentVote, presentProject, missingChoices } = require('../../utils/livelihood');

Page({
  data: {
    loading: true,
    error: '',
    vote: null,
    projects: [],
    choices: CHOICES,
    submitting: false,
  },

  onLoad(options) {
    this.id = (options && options.id) || '';
    this.submitKey = api.newIdempotencyKey();
    return this.load();
  },

  async load() {
    this.setData({ loading: !this.data.vote, error: '' });
    try {
      const v = await api.livelihoodVote(this.id);
      const chosen = {};
      this.data.projects.forEach((p) => { chosen[p.id] = p.choice; });
      this.setData({
        loading: false, vote: presentVote(v), projects: v.projects.map((p) => presentProject(p, chosen[p.id])),
      });
      return v;
    } catch (err) {
      this.setData({ loading: false, error: err.message });
      return null;
    }
  },

  choose(e) {
    const { id, choice } = e.currentTarget.dataset;
    this.setData({
      projects: this.data.projects.map((p) => (String(p.id) === String(id) ? Object.assign({}, p, { choice }) : p)),
    });
  },

  async submit() {
    if (this.data.submitting || !this.data.vote || !this.data.vote.canVote) return null;
    const missing = missingChoices(this.data.projects);
    if (missing.length) {
      say(`请对每个候选项目表决，还有“${missing.join('”“')}”未表决。`);
      return null;
    }
    this.setData({ submitting: true });
    const choices = this.data.projects.map((p) => ({ project_id: p.id, choice: p.choice }));
    try {
      const answer = await api.castBallot(this.id, choices, this.submitKey);
      toast('投票成功', 'success');
      return answer;
    } catch (err) {
      // Answered (投票已结束, 您已投票, a candidate missed): a new tap is a new ballot; the server's sentence shown.
      if (keyReused(err)) {
        // Cast before, the answer lost, a choice changed since: the ballot stands as first cast.
        this.submitKey = api.newIdempotencyKey();
        say('您此前已投票成功（当时网络中断，未能显示结果），选票以第一次提交的为准。');
      } else if (err && err.status) {
        this.submitKey = api.newIdempotencyKey();
        say(err.message);
      }
      return null;
    } finally {
      this.setData({ submitting: false });
      await this.load();
    }
  },
});
