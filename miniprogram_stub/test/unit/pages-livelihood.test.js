// 民生实事项目票决 with a wx stand-in: a deputy's rounds (GET /livelihood/votes), the ballot page (each
// candidate 赞成 / 反对 / 弃权, POST /livelihood/votes/{id}/ballot once with an Idempotency-Key, 已投票 after),
// and a citizen's 群众下单 form (POST /livelihood/proposals) and 我的民生建议.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');
const { event } = require('../support/harness');

const hour = 3600 * 1000;
const at = (ms) => new Date(ms).toISOString();

// Whether the server tells the calling deputy (of the electorate, in office) they may vote now, and why not.
function votable(v) {
  const now = Date.now();
  let reason = null;
  if (v.has_voted) reason = '已投票';
  else if (v.status === 'closed' || now >= Date.parse(v.ends_at)) reason = '投票已结束';
  else if (v.status !== 'voting' || now < Date.parse(v.starts_at)) reason = '投票尚未开始';
  return { can_vote: reason === null, cannot_vote_reason: reason };
}

// A VoteOut as the server answers it to a deputy of its electorate: voting open, two candidates.
function round(overrides) {
  const v = Object.assign({
    id: 3, region_id: 4, region_name: '鹤城区', title: '2027 年鹤城区民生实事项目票决', year: 2027, places: 1,
    starts_at: at(Date.now() - hour), ends_at: at(Date.now() + hour), status: 'voting', status_label: '投票中',
    electorate: 3, voted: 0, has_voted: false, opened_at: at(Date.now() - hour), closed_at: null, close_reason: '',
    result_note: '',
    projects: [
      { id: 31, title: '乡村道路硬化', description: '', department: '交通局', budget: 300, position: 1, votes_for: null,
        votes_against: null, votes_abstain: null, adopted: null, tied: false, progress: [] },
      { id: 32, title: '老旧小区改造', description: '', department: '住建局', budget: null, position: 2, votes_for: null,
        votes_against: null, votes_abstain: null, adopted: null, tied: false, progress: [] },
    ],
  }, overrides);
  return Object.assign(votable(v), v);
}

// GET /regions?levels=&congress=true: only the regions of the levels asked for; with congress=true, no 街道
// (a township-level region named …街道 has no people's congress).
const atLevels = (regions, req) => regions.filter((r) => (!req.query.levels || req.query.levels.split(',').includes(r.level))
  && !(req.query.congress === 'true' && r.level === 'township' && r.name.endsWith('街道')));
const page = (items, req) => json(200, { items, total: items.length, page: Number(req.query.page), per_page: 20 });

test('livelihood votes: the rounds a deputy may vote in, 可投票 until they have voted, then 已投票', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/livelihood/votes': (req) => page([round(), round({ id: 2, has_voted: true }),
      round({ id: 1, starts_at: at(Date.now() + hour), ends_at: at(Date.now() + 2 * hour) }),
      round({ id: 0, status: 'closed', status_label: '已结束', has_voted: true, void: true })], req),
  }, { user: DEPUTY });
  const list = await phone.open('pages/livelihood/votes');
  assert.deepEqual(list.data.items.map((v) => [v.id, v.note, v.canVote]), [
    [3, '投票中', true], [2, '已投票', false], [1, '投票尚未开始', false], [0, '票决无效', false]]);
});

test('livelihood ballot: every candidate chosen before sending; a retry after a failed send keeps its Idempotency-Key; 已投票 after', async () => {
  let voted = false;
  let down = true;
  const keys = [];
  const sent = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/livelihood/votes/3': () => json(200, round({ has_voted: voted, voted: voted ? 1 : 0 })),
    'POST /api/v1/livelihood/votes/3/ballot': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (down) {
        down = false;
        throw new Error('timeout'); // the network failed: nothing was cast
      }
      sent.push(req.data);
      voted = true;
      return json(201, { vote_id: 3, cast_at: at(Date.now()), message: '投票成功。' });
    },
  }, { user: DEPUTY });
  const ballot = await phone.open('pages/livelihood/ballot', { id: '3' });
  assert.equal(ballot.data.vote.canVote, true);
  await ballot.choose(event({ id: 31, choice: 'for' }));
  await ballot.submit();
  assert.equal(keys.length, 0, 'nothing sent with a candidate left');
  assert.match(wx.modals.at(-1), /还有“老旧小区改造”未表决/);

  await ballot.choose(event({ id: 32, choice: 'abstain' }));
  assert.deepEqual(ballot.data.projects.map((p) => p.choice), ['for', 'abstain']);
  await ballot.submit(); // the network fails: the choices stay, 提交 again
  assert.equal(ballot.data.vote.canVote, true);
  assert.deepEqual(ballot.data.projects.map((p) => p.choice), ['for', 'abstain']);
  await ballot.submit();
  assert.deepEqual(keys, [keys[0], keys[0]], 'one key for the one ballot');
  assert.deepEqual(sent, [{ choices: [{ project_id: 31, choice: 'for' }, { project_id: 32, choice: 'abstain' }] }]);
  assert.equal(wx.toasts.at(-1), '投票成功');
  assert.equal(ballot.data.vote.has_voted, true);
  assert.equal(ballot.data.vote.canVote, false);
  assert.equal(ballot.data.vote.note, '已投票');
  await ballot.submit();
  assert.equal(keys.length, 2, 'no second ballot offered');
});

test('livelihood ballot: a refusal shows the server\'s sentence and the round as it is now', async () => {
  let closed = false;
  const { phone, wx } = unitPhone({
    'GET /api/v1/livelihood/votes/3': () => json(200, closed ? round({
      status: 'closed', status_label: '已结束', result_note: '应投票 3 人，实投 2 人；1 个项目获全体代表过半数赞成票当选。',
      projects: round().projects.map((p, i) => Object.assign({}, p, {
        votes_for: 2 - i, votes_against: i, votes_abstain: 0, adopted: i === 0 })),
    }) : round()),
    'POST /api/v1/livelihood/votes/3/ballot': () => {
      closed = true;
      return error(409, 'conflict', '投票已结束。');
    },
  }, { user: DEPUTY });
  const ballot = await phone.open('pages/livelihood/ballot', { id: '3' });
  await ballot.choose(event({ id: 31, choice: 'for' }));
  await ballot.choose(event({ id: 32, choice: 'against' }));
  await ballot.submit();
  assert.ok([...wx.toasts, ...wx.modals].includes('投票已结束。'));
  assert.equal(ballot.data.vote.canVote, false);
  assert.deepEqual(ballot.data.projects.map((p) => p.resultText), [
    '赞成 2，反对 0，弃权 0：当选', '赞成 1，反对 1，弃权 0：未当选']);
});

test('livelihood ballot: a candidate\'s budget shows without a 责任单位, and a void round shows no counts', async () => {
  const projects = [
    Object.assign({}, round().projects[0], { department: '', budget: 300 }),
    Object.assign({}, round().projects[1], { department: '住建局', budget: null }),
    Object.assign({}, round().projects[1], { id: 33, department: '交通局', budget: 12.5 }),
  ];
  const { phone } = unitPhone({
    'GET /api/v1/livelihood/votes/3': () => json(200, round({ projects })),
  }, { user: DEPUTY });
  const ballot = await phone.open('pages/livelihood/ballot', { id: '3' });
  assert.deepEqual(ballot.data.projects.map((p) => p.detailText), [
    '预算 300 万元', '责任单位：住建局', '责任单位：交通局；预算 12.5 万元']);
  const wxml = fs.readFileSync(path.join(__dirname, '..', '..', 'pages/livelihood/ballot.wxml'), 'utf8');
  assert.match(wxml, /<view class="muted" wx:if="\{\{item\.detailText\}\}">\{\{item\.detailText\}\}<\/view>/);
  assert.doesNotMatch(wxml, /wx:if="\{\{item\.department\}\}"/, 'the budget is not hidden inside the 责任单位');

  const { phone: other } = unitPhone({
    'GET /api/v1/livelihood/votes/3': () => json(200, round({
      status: 'closed', status_label: '已结束', has_voted: true, void: true,
      result_note: '应投票 3 人，实投 2 人。投票代表不足 3 人，为保护无记名投票，本次票决无效，不公布票数。',
      projects: round().projects.map((p) => Object.assign({}, p, { adopted: false })),
    })),
  }, { user: DEPUTY });
  const closed = await other.open('pages/livelihood/ballot', { id: '3' });
  assert.deepEqual(closed.data.projects.map((p) => p.resultText), ['票决无效', '票决无效']);
  assert.ok(!closed.data.projects.some((p) => /null/.test(p.resultText)));
});

test('livelihood ballot: a deputy who may not vote is told why instead of given the form', async () => {
  const reasons = [
    ['您已离任', '您已离任，不能在本次票决中投票。'],
    ['不在本次票决的代表名单中', '您不在本次票决的代表名单中，不能投票。'],
    ['投票尚未开始', '投票尚未开始，请在投票时间内投票。'],
    ['已投票', '您已投票，谢谢！'],
    ['投票已结束', '投票已结束。'],
  ];
  for (const [reason, text] of reasons) {
    const sent = [];
    // The window open by the phone's clock: the server's word decides.
    const { phone, wx } = unitPhone({
      'GET /api/v1/livelihood/votes/3': () => json(200, round({ can_vote: false, cannot_vote_reason: reason })),
      'POST /api/v1/livelihood/votes/3/ballot': (req) => {
        sent.push(req.data);
        return json(201, {});
      },
    }, { user: DEPUTY });
    const ballot = await phone.open('pages/livelihood/ballot', { id: '3' });
    assert.equal(ballot.data.vote.canVote, false, reason);
    assert.equal(ballot.data.vote.cannotVoteText, text);
    await ballot.choose(event({ id: 31, choice: 'for' }));
    await ballot.choose(event({ id: 32, choice: 'for' }));
    await ballot.submit();
    assert.deepEqual(sent, []);
    assert.deepEqual(wx.modals, []);
  }
  // The page says the reason where the form would be, and offers the form only to one who may vote.
  const wxml = fs.readFileSync(path.join(__dirname, '..', '..', 'pages/livelihood/ballot.wxml'), 'utf8');
  assert.match(wxml, /<view wx:if="\{\{!vote\.canVote && vote\.cannotVoteText\}\}"[^>]*>\{\{vote\.cannotVoteText\}\}<\/view>/);
  assert.match(wxml, /<button wx:if="\{\{vote\.canVote\}\}"[^>]*bindtap="submit"/);
  assert.doesNotMatch(wxml, /您已投票，谢谢/, 'the reason comes from the server, 已投票 included');
});

test('livelihood votes: a deputy who left office sees 您已离任 on the round still open', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/livelihood/votes': (req) => page([round({ can_vote: false, cannot_vote_reason: '您已离任' })], req),
  }, { user: DEPUTY });
  const list = await phone.open('pages/livelihood/votes');
  assert.deepEqual(list.data.items.map((v) => [v.id, v.note, v.canVote]), [[3, '您已离任', false]]);
});

test('livelihood propose: a citizen proposes to a congress with an Idempotency-Key, then sees it in 我的民生建议', async () => {
  const posted = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/regions': (req) => page(atLevels([{ id: 1, name: '湖南省', level: 'province' }, { id: 4, name: '鹤城区', level: 'county' },
      { id: 9, name: '红星村', level: 'village' }], req), req),
    'POST /api/v1/livelihood/proposals': (req) => {
      posted.push([req.header['Idempotency-Key'], req.data]);
      return json(201, { id: 5 });
    },
    'GET /api/v1/livelihood/proposals': (req) => page([
      { id: 5, region_id: 4, region_name: '鹤城区', title: '修建停车场', content: '停车难', status: 'adopted',
        status_label: '已采纳为候选项目', reason: '', project_id: 31, vote_title: '2027 年鹤城区民生实事项目票决', adopted: true,
        vote_void: false, created_at: at(Date.now()), decided_at: at(Date.now()) },
      { id: 6, region_id: 4, region_name: '鹤城区', title: '修建公厕', content: '没有公厕', status: 'adopted',
        status_label: '已采纳为候选项目', reason: '', project_id: 32, vote_title: '2026 年鹤城区民生实事项目票决', adopted: false,
        vote_void: true, created_at: at(Date.now()), decided_at: at(Date.now()) },
      { id: 4, region_id: 4, region_name: '鹤城区', title: '增设路灯', content: '太暗', status: 'declined',
        status_label: '不予采纳', reason: '已列入部门计划', project_id: null, vote_title: null, adopted: null,
        created_at: at(Date.now()), decided_at: at(Date.now()) },
    ], req),
  });
  const form = await phone.open('pages/livelihood/propose');
  assert.deepEqual(form.data.regions.map((r) => r.name), ['湖南省', '鹤城区'], 'no village: it has no congress');
  await form.submit();
  assert.equal(posted.length, 0);
  assert.equal(wx.modals.at(-1) || wx.toasts.at(-1), '请选择向哪一级人大提出。');
  await form.onRegion({ detail: { value: '1' } });
  await form.onTitle({ detail: { value: ' 修建停车场 ' } });
  await form.onContent({ detail: { value: '停车难' } });
  await form.onPhone({ detail: { value: '12345' } });
  await form.submit();
  assert.equal(posted.length, 0);
  assert.equal(wx.calls.requestSubscribeMessage, undefined, 'nothing asked before the form is complete');
  await form.onPhone({ detail: { value: '13800001111' } });
  await form.submit();
  assert.equal(posted.length, 1);
  // 办理结果通知 (adopted or declined) asked for in the tap, before the proposal is sent.
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-answer']]);
  const subscribe = wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = wx.order.findIndex((c) => c.name === 'request' && /\/livelihood\/proposals$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, 'consent asked before the proposal');
  assert.ok(posted[0][0], 'an Idempotency-Key');
  assert.deepEqual(posted[0][1], { region_id: 4, title: '修建停车场', content: '停车难', contact_phone: '13800001111' });
  const mine = await phone.follow();
  assert.equal(mine.route, 'pages/livelihood/proposals');
  assert.deepEqual(mine.data.items.map((p) => p.outcome), [
    '已列为“2027 年鹤城区民生实事项目票决”候选项目，票决当选',
    '已列为“2026 年鹤城区民生实事项目票决”候选项目，因投票代表不足，该次票决无效', '不予采纳：已列入部门计划']);
});

test('livelihood propose: the regions are searched by name (GET /regions?q=), a choice kept while it is still listed', async () => {
  const regions = [
    { id: 1, name: '湖南省', level: 'province', full_name: '湖南省' },
    { id: 4, name: '鹤城区', level: 'county', full_name: '湖南省怀化市鹤城区' },
    { id: 6, name: '城北镇', level: 'township', full_name: '湖南省怀化市鹤城区城北镇' },
    { id: 7, name: '城北镇', level: 'township', full_name: '湖南省长沙市岳麓区城北镇' },
    { id: 8, name: '城北街道', level: 'township', full_name: '湖南省怀化市鹤城区城北街道' },
    { id: 9, name: '城北社区', level: 'village', full_name: '湖南省怀化市鹤城区城北镇城北社区' },
  ];
  const asked = [];
  const posted = [];
  const { phone } = unitPhone({
    'GET /api/v1/regions': (req) => {
      asked.push(req.query.q);
      return page(atLevels(regions, req).filter((r) => !req.query.q || r.name.includes(req.query.q)), req);
    },
    'POST /api/v1/livelihood/proposals': (req) => {
      posted.push(req.data);
      return json(201, { id: 5 });
    },
    'GET /api/v1/livelihood/proposals': (req) => page([], req),
  });
  const form = await phone.open('pages/livelihood/propose');
  assert.deepEqual(asked, [undefined]);
  await form.onKeywordInput({ detail: { value: ' 城北 ' } });
  await form.search();
  assert.deepEqual(asked, [undefined, '城北']);
  assert.equal(form.data.searched, '城北');
  // Two townships of one name told apart by where they are; neither the village nor the 街道 has a congress.
  assert.deepEqual(form.data.regions.map((r) => [r.id, r.label]), [
    [6, '湖南省怀化市鹤城区城北镇'], [7, '湖南省长沙市岳麓区城北镇']]);
  await form.onRegion({ detail: { value: '1' } });
  // Another search that still lists the choice keeps it; one that does not asks for a choice again.
  await form.onKeywordInput({ detail: { value: '镇' } });
  await form.search();
  assert.equal(form.data.regions[form.data.regionIndex].id, 7);
  await form.onKeywordInput({ detail: { value: '鹤城' } });
  await form.search();
  assert.equal(form.data.regionIndex, -1);
  await form.onKeywordInput({ detail: { value: '不存在的地方' } });
  await form.search();
  assert.deepEqual(form.data.regions, []);
  await form.clearSearch();
  assert.equal(form.data.searched, '');
  assert.equal(asked.at(-1), undefined);
  assert.deepEqual(form.data.regions.map((r) => r.id), [1, 4]);
  await form.onKeywordInput({ detail: { value: '城北镇' } });
  await form.search();
  await form.onRegion({ detail: { value: '1' } });
  await form.onTitle({ detail: { value: '修建停车场' } });
  await form.onContent({ detail: { value: '停车难' } });
  await form.submit();
  assert.deepEqual(posted, [{ region_id: 7, title: '修建停车场', content: '停车难' }]);
});

test('livelihood propose: without a search, the congresses of the top levels (GET /regions?levels=), never a village', async () => {
  const asked = [];
  const { phone } = unitPhone({
    'GET /api/v1/regions': (req) => {
      asked.push(Object.assign({}, req.query));
      return json(200, { items: [{ id: 1, name: '湖南省', level: 'province', full_name: '湖南省' },
        { id: 2, name: '怀化市', level: 'city', full_name: '湖南省怀化市' }], total: 137, page: 1, per_page: 100 });
    },
  });
  const form = await phone.open('pages/livelihood/propose');
  assert.deepEqual(asked.map((q) => [q.levels, q.congress, q.around, q.q]), [['province,city,county', 'true', undefined, undefined]]);
  assert.deepEqual(form.data.regions.map((r) => r.label), ['湖南省', '湖南省怀化市']);
  assert.equal(form.data.moreRegions, true, 'more than listed: the page asks for a search');
  // A search looks among every level that has a congress.
  await form.onKeywordInput({ detail: { value: '城北' } });
  await form.search();
  assert.deepEqual(asked.at(-1), { per_page: '100', levels: 'province,city,county,township', congress: 'true', q: '城北' });
});

test('livelihood propose: from a station, the congresses nearest to its region first (GET /regions?around=)', async () => {
  const asked = [];
  const { phone } = unitPhone({
    'GET /api/v1/regions': (req) => {
      asked.push(Object.assign({}, req.query));
      return page([{ id: 6, name: '城北镇', level: 'township', full_name: '湖南省怀化市鹤城区城北镇' },
        { id: 4, name: '鹤城区', level: 'county', full_name: '湖南省怀化市鹤城区' },
        { id: 2, name: '怀化市', level: 'city', full_name: '湖南省怀化市' }], req);
    },
  });
  const form = await phone.open('pages/livelihood/propose', { region_id: '9' });
  assert.deepEqual(asked, [{ per_page: '100', levels: 'province,city,county,township', congress: 'true', around: '9' }]);
  assert.deepEqual(form.data.regions.map((r) => r.id), [6, 4, 2]);
  assert.equal(form.data.moreRegions, false);
  await form.onKeywordInput({ detail: { value: '城北' } });
  await form.search();
  assert.equal(asked.at(-1).around, '9', 'a search near the station too');
  // A region id that is not one is not sent.
  await phone.open('pages/livelihood/propose', { region_id: 'abc' });
  assert.deepEqual(asked.at(-1), { per_page: '100', levels: 'province,city,county', congress: 'true' });
});

test('the propose form says the words may be published once personal data is removed', () => {
  const wxml = fs.readFileSync(path.join(__dirname, '..', '..', 'pages/livelihood/propose.wxml'), 'utf8');
  assert.match(wxml, /建议内容可能在去除个人信息（姓名、电话、门牌号等）后公开/);
});

test('livelihood propose: sent, the answer lost, the words changed and sent again: it went through, 我要下单 shows it', async () => {
  const posted = [];
  const seen = {};
  const { phone, wx } = unitPhone({
    'GET /api/v1/regions': (req) => page(atLevels([{ id: 4, name: '鹤城区', level: 'county' }], req), req),
    'POST /api/v1/livelihood/proposals': (req) => {
      const key = req.header['Idempotency-Key'];
      posted.push(key);
      if (seen[key] && seen[key] !== JSON.stringify(req.data)) {
        return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
      }
      const first = !seen[key];
      seen[key] = JSON.stringify(req.data);
      if (first && posted.length === 1) throw new Error('lost');
      return json(201, { id: 5 });
    },
    'GET /api/v1/livelihood/proposals': (req) => page([], req),
  });
  const form = await phone.open('pages/livelihood/propose');
  await form.onRegion({ detail: { value: '0' } });
  await form.onTitle({ detail: { value: '修建停车场' } });
  await form.onContent({ detail: { value: '停车难' } });
  await form.submit();
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  await form.onContent({ detail: { value: '周末停车难' } });
  wx.queue.modal.push({ confirm: false }); // 留在本页
  await form.submit();
  assert.deepEqual(wx.modals.slice(1), ['您的民生建议此前已提交成功（当时网络中断，未能显示结果），可到“我要下单”中查看，无需重复提交。']);
  assert.equal(wx.lastNavigation(), null);
  // A new tap is a new proposal, with a new key.
  await form.submit();
  assert.equal(posted.length, 3);
  assert.equal(posted[0], posted[1]);
  assert.notEqual(posted[2], posted[1]);
  assert.equal(wx.lastNavigation().url, '/pages/livelihood/proposals');
});
