// 调研清单 (揭榜式调研) with a wx stand-in, a deputy's side: the open topics (GET /research/topics?scope=open),
// a topic and 领题 (one Idempotency-Key kept for a retry; a refusal's sentence and the topic read again), 我的调研
// (GET /me/research), the members found by name and named on 领题, the team's page the `research` notices open — the report's states, the lead's form
// with its counter, photos and one key per submission, 放弃领题 — and the archive's 调研清单 lines.
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');
const { event } = require('../support/harness');

const ROOT = path.join(__dirname, '..', '..');
const page = (items, req) => json(200, { items, total: items.length, page: Number(req.query.page || 1), per_page: 20 });
const said = (wx) => [...wx.toasts, ...wx.modals];

function topic(overrides) {
  return Object.assign({
    id: 4, region_id: 2, region_name: '怀化市', congress_name: '怀化市人大', year: 2026, title: '优化营商环境专题调研',
    theme: '产业发展', description: '围绕企业开办、审批提速开展调研。', due_date: '2026-12-31', max_teams: 3, teams_taken: 1,
    status: 'published', status_label: '已发布', published_at: '2026-03-01T01:00:00+00:00', can_take: true, my_team_id: null,
  }, overrides);
}

function report(overrides) {
  return Object.assign({
    id: 21, team_id: 9, topic_id: 4, title: '关于优化营商环境的调研报告', body: '一、基本情况……', status: 'submitted',
    status_label: '待审核', round: 1, submitted_at: '2026-05-01T02:00:00+00:00', reviewed_at: null, return_reason: '',
    instructed: false, instructed_by: '', instruction_date: null, instruction_text: '', photos: [], late: false,
  }, overrides);
}

function team(overrides) {
  return Object.assign({
    id: 9, topic_id: 4, name: '张伟团队', group_name: '', status: 'active', status_label: '已领题', lead_deputy_id: 7,
    lead_name: '张伟', created_at: '2026-04-01T01:00:00+00:00', report: null,
    members: [{ deputy_id: 7, name: '张伟', level_label: '市人大代表', is_lead: true },
      { deputy_id: 8, name: '李娜', level_label: '市人大代表', is_lead: false }],
  }, overrides);
}

test('调研清单: a deputy reads the open topics with theme, congress, due date, 已领 N/M and their own team', async () => {
  const asked = [];
  const { phone } = unitPhone({
    'GET /api/v1/research/topics': (req) => {
      asked.push(req.query);
      return page([topic(), topic({ id: 5, title: '城市更新', theme: '城市更新', my_team_id: 9, can_take: false, teams_taken: 2 }),
        topic({ id: 6, title: '数字乡村', theme: '乡村振兴', max_teams: 2, teams_taken: 2, can_take: false, due_date: null }),
        topic({ id: 7, title: '不限名额', max_teams: null, teams_taken: 4 })], req);
    },
  }, { user: DEPUTY });
  const list = await phone.open('pages/research/topics');
  assert.equal(asked[0].scope, 'open');
  assert.equal(list.data.loading, false);
  assert.deepEqual(list.data.items.map((t) => [t.title, t.theme, t.congress_name, t.dueText, t.takenText, t.note]), [
    ['优化营商环境专题调研', '产业发展', '怀化市人大', '2026-12-31 前提交报告', '已领 1/3 团队', '可领题'],
    ['城市更新', '城市更新', '怀化市人大', '2026-12-31 前提交报告', '已领 2/3 团队', '已在团队中'],
    ['数字乡村', '乡村振兴', '怀化市人大', '不限提交日期', '已领 2/2 团队', '名额已满'],
    ['不限名额', '产业发展', '怀化市人大', '2026-12-31 前提交报告', '已领 4 个团队', '可领题'],
  ]);
  await list.open(event({ id: 4 }));
  assert.equal(phone.wx.navigations.at(-1).url, '/pages/research/topic?id=4');
  await list.mine();
  assert.equal(phone.wx.navigations.at(-1).url, '/pages/research/mine');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/topics.wxml'), 'utf8');
  for (const shown of ['item.takenText', 'item.dueText', 'item.congress_name', 'item.theme', 'item.note']) assert.ok(wxml.includes(shown), shown);
});

test('调研清单: empty, and an error with 重试', async () => {
  let down = true;
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics': (req) => (down ? error(500, 'internal_error', '服务器出了点问题，请稍后重试。') : page([], req)),
  }, { user: DEPUTY });
  const list = await phone.open('pages/research/topics');
  assert.equal(list.data.error, '服务器出了点问题，请稍后重试。');
  assert.ok(said(wx).includes('服务器出了点问题，请稍后重试。'));
  down = false;
  await list.reload();
  assert.equal(list.data.error, '');
  assert.deepEqual(list.data.items, []);
  assert.equal(list.data.loading, false);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/topics.wxml'), 'utf8');
  assert.match(wxml, /暂无可领的调研课题/);
});

test('the deputy\'s home page leads to 调研清单 and 我的调研', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/index/index.wxml'), 'utf8');
  assert.match(wxml, /data-url="\/pages\/research\/topics">调研清单/);
  assert.match(wxml, /data-url="\/pages\/research\/mine">我的调研/);
});

test('领题: the group name sent with one Idempotency-Key for its retry, then the team\'s page', async () => {
  const keys = [];
  const sent = [];
  let down = true;
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [team({ id: 3, name: '王芳团队', lead_name: '王芳',
      members: [{ deputy_id: 3, name: '王芳', level_label: '市人大代表', is_lead: true }], report: report({ id: 30, team_id: 3 }) })] })),
    'POST /api/v1/research/topics/4/teams': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (down) {
        down = false;
        throw new Error('timeout');
      }
      sent.push(req.data);
      return json(201, team({ group_name: '第三代表小组', name: '第三代表小组' }));
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  assert.equal(detail.data.topic.title, '优化营商环境专题调研');
  assert.equal(detail.data.topic.takenText, '已领 1/3 团队');
  assert.deepEqual(detail.data.teams.map((t) => [t.name, t.membersText, t.reportText]), [['王芳团队', '王芳（牵头）', '待审核']]);
  await detail.onGroupName({ detail: { value: ' 第三代表小组 ' } });
  await detail.take(); // the network fails: nothing taken, 领题 again
  assert.equal(wx.navigations.length, 0);
  await detail.take();
  assert.deepEqual(keys, [keys[0], keys[0]], 'one key for the one 领题');
  assert.deepEqual(sent, [{ group_name: '第三代表小组' }]);
  assert.ok(wx.toasts.includes('领题成功'));
  assert.equal(wx.calls.redirectTo.at(-1).url, '/pages/research/team?id=9');
  // No member chosen: the deputy leads alone and no member_deputy_ids is sent.
  assert.deepEqual(detail.data.chosen, []);
  // 调研课题进展通知 asked in the tap, before the 领题 goes (the lead is told of a withdrawal or a member leaving).
  const subscribe = wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = wx.order.findIndex((c) => c.name === 'request' && /\/topics\/4\/teams$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, '调研课题进展通知 asked before the 领题 goes');
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-research']);
});

test('领题 goes on when the 调研课题进展通知 is refused; a group name too long asks nothing', async () => {
  const sent = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [] })),
    'POST /api/v1/research/topics/4/teams': (req) => { sent.push(req.data); return json(201, team()); },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  await detail.onGroupName({ detail: { value: '组'.repeat(51) } });
  await detail.take();
  assert.ok(said(wx).includes('团队名称最多 50 字。'));
  assert.equal(wx.calls.requestSubscribeMessage, undefined);
  assert.equal(detail.data.submitting, false);
  await detail.onGroupName({ detail: { value: '' } });
  wx.subscribeAnswer = 'reject';
  await detail.take();
  assert.equal(wx.calls.requestSubscribeMessage.length, 1);
  assert.deepEqual(sent, [{ group_name: '' }]);
  assert.equal(wx.calls.redirectTo.at(-1).url, '/pages/research/team?id=9');
});

test('领题 refused: the server\'s sentence, the topic read again (名额已满), a new key for a new attempt', async () => {
  let gone = false;
  const keys = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, gone
      ? topic({ teams_taken: 3, can_take: false, teams: [] }) : topic({ teams_taken: 2, teams: [] })),
    'POST /api/v1/research/topics/4/teams': (req) => {
      keys.push(req.header['Idempotency-Key']);
      gone = true;
      return error(409, 'conflict', '该课题领题名额已满（共 3 个团队）。');
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  await detail.take();
  assert.ok(said(wx).includes('该课题领题名额已满（共 3 个团队）。'));
  assert.equal(said(wx).filter((m) => m === '该课题领题名额已满（共 3 个团队）。').length, 1, 'said once, not twice');
  assert.equal(detail.data.topic.can_take, false);
  assert.equal(detail.data.topic.note, '名额已满');
  assert.notEqual(detail.takeKey, keys[0]);
  assert.equal(detail.data.submitting, false);
});

test('领题 taken, the answer lost, the group name changed and sent again: it went through, 去查看 opens 我的调研', async () => {
  const keys = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [] })),
    'POST /api/v1/research/topics/4/teams': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (keys.length === 1) throw new Error('timeout'); // taken; the answer lost
      return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  await detail.take();
  await detail.onGroupName({ detail: { value: '第三代表小组' } });
  await detail.take();
  assert.equal(keys[0], keys[1]);
  assert.deepEqual(said(wx).slice(-1), ['您此前已领题成功（当时网络中断，未能显示结果），可到“我的调研”查看团队。']);
  assert.equal(wx.calls.redirectTo.at(-1).url, '/pages/research/mine');
  assert.notEqual(detail.takeKey, keys[1], 'a new key for a new attempt');
});

test('a topic the deputy is on links to their team; a topic not found says so', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ my_team_id: 9, can_take: false, teams: [team()] })),
    'GET /api/v1/research/topics/5': () => error(404, 'not_found', '调研课题不存在。'),
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  assert.equal(detail.data.topic.mine, true);
  await detail.openTeam(event({ id: 9 }));
  assert.equal(phone.wx.navigations.at(-1).url, '/pages/research/team?id=9');
  const missing = await phone.open('pages/research/topic', { id: '5' });
  assert.equal(missing.data.error, '调研课题不存在。');
});

test('the topic\'s page reads the topic again when shown again (back from 放弃领题) and on a pull-down', async () => {
  let mine = true;
  let reads = 0;
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => {
      reads += 1;
      return json(200, mine ? topic({ my_team_id: 9, can_take: false, teams_taken: 2, teams: [team()] })
        : topic({ teams_taken: 1, teams: [team({ status: 'abandoned', status_label: '已放弃' })] }));
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  assert.equal(reads, 1, 'the first show is onLoad\'s: read once');
  assert.equal(detail.data.topic.mine, true);
  mine = false; // 放弃领题 on the team's page, then back
  await detail.onShow();
  assert.equal(reads, 2);
  assert.equal(detail.data.topic.mine, false);
  assert.equal(detail.data.topic.can_take, true);
  assert.equal(detail.data.topic.takenText, '已领 1/3 团队');
  await detail.onPullDownRefresh();
  assert.equal(reads, 3);
  assert.equal(wx.calls.stopPullDownRefresh.length, 1);
  const json_ = JSON.parse(fs.readFileSync(path.join(ROOT, 'pages/research/topic.json'), 'utf8'));
  assert.equal(json_.enablePullDownRefresh, true);
});

test('a withdrawn topic\'s page says 该课题已撤回 and offers neither 领题 nor the team', async () => {
  let withdrawn = topic({ status: 'withdrawn', status_label: '已撤回', can_take: false, my_team_id: 9, teams: [team()] });
  const { phone, wx } = unitPhone({ 'GET /api/v1/research/topics/4': () => json(200, withdrawn) }, { user: DEPUTY });
  const lead = await phone.open('pages/research/topic', { id: '4' });
  assert.equal(lead.data.topic.withdrawn, true);
  assert.equal(lead.data.topic.note, '已撤回');
  assert.equal(lead.data.topic.mine, true);
  await lead.take();
  assert.equal(wx.calls.request.filter((r) => r.url.endsWith('/research/topics/4/teams')).length, 0);
  // A deputy without a team, from a list read before the withdrawal: told why there is no 领题.
  withdrawn = topic({ status: 'withdrawn', status_label: '已撤回', can_take: false, teams: [] });
  const other = await phone.open('pages/research/topic', { id: '4' });
  assert.equal(other.data.topic.withdrawn, true);
  assert.equal(other.data.topic.note, '已撤回');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/topic.wxml'), 'utf8');
  // The withdrawn card comes first: the 您已在本课题的调研团队中 card and the 领题 form are its wx:elif branches.
  assert.match(wxml, /wx:if="\{\{topic\.withdrawn\}\}">该课题已撤回，不能再领题，也不再提交调研报告。<\/view>\s*<view class="card" wx:elif="\{\{topic\.mine\}\}"/);
  assert.match(wxml, /wx:elif="\{\{topic\.can_take\}\}"/);
});

test('我的调研: each team with its topic, role and the report\'s state; empty says where to take one', async () => {
  let items = [
    Object.assign(team({ report: report({ status: 'returned', status_label: '退回修改', return_reason: '数据不全' }) }),
      { topic: topic({ my_team_id: 9 }), role: 'lead', report_status_label: '退回修改' }),
    Object.assign(team({ id: 10, lead_deputy_id: 3, name: '王芳团队', report: report({ id: 22, team_id: 10, status: 'accepted',
      status_label: '已通过', instructed: true, instructed_by: '市委书记', instruction_date: '2026-06-01', instruction_text: '请抓好落实。' }) }),
    { topic: topic({ id: 5, title: '城市更新' }), role: 'member', report_status_label: '已通过' }),
    Object.assign(team({ id: 11 }), { topic: topic({ id: 6, title: '数字乡村' }), role: 'lead', report_status_label: '未提交' }),
  ];
  const { phone } = unitPhone({ 'GET /api/v1/me/research': (req) => page(items, req) }, { user: DEPUTY });
  const mine = await phone.open('pages/research/mine');
  assert.deepEqual(mine.data.items.map((t) => [t.topic.title, t.roleText, t.reportText, t.name]), [
    ['优化营商环境专题调研', '牵头', '退回修改', '张伟团队'],
    ['城市更新', '成员', '获领导批示', '王芳团队'],
    ['数字乡村', '牵头', '未提交', '张伟团队'],
  ]);
  await mine.open(event({ id: 10 }));
  assert.equal(phone.wx.navigations.at(-1).url, '/pages/research/team?id=10');
  items = [];
  await mine.reload();
  assert.deepEqual(mine.data.items, []);
  assert.equal(mine.data.loading, false);
  assert.match(fs.readFileSync(path.join(ROOT, 'pages/research/mine.wxml'), 'utf8'), /还没有参加调研团队/);
});

// A team's page against a small server that keeps the report as the API would.
function teamServer(initial) {
  const state = { team: team(initial), keys: [], sent: [], fail: 0, refuse: null, uploads: 0 };
  const routes = {
    'GET /api/v1/research/teams/9': () => json(200, state.team),
    'GET /api/v1/research/topics/4': () => json(200, topic({ my_team_id: 9, can_take: false, teams: [state.team] })),
    'POST /api/v1/uploads': () => {
      state.uploads += 1;
      return json(201, { id: 100 + state.uploads, key: 'u' + state.uploads + '.jpg', url: '/api/v1/uploads/u' + state.uploads + '.jpg' });
    },
    'GET /api/v1/uploads/p1.jpg': () => ({ statusCode: 200, tempFilePath: '/tmp/p1.jpg' }),
    'POST /api/v1/research/teams/9/report': (req) => {
      state.keys.push(req.header['Idempotency-Key']);
      if (state.fail > 0) {
        state.fail -= 1;
        throw new Error('timeout');
      }
      if (state.refuse) return state.refuse;
      state.sent.push(req.data);
      const before = state.team.report;
      state.team.report = report({ title: req.data.title, body: req.data.body, round: before ? before.round + 1 : 1,
        photos: req.data.attachment_ids.map((id) => ({ id, url: '/api/v1/uploads/p1.jpg' })) });
      return json(201, state.team.report);
    },
    'POST /api/v1/research/teams/9/abandon': () => {
      if (state.team.report) return error(409, 'invalid_transition', '已提交调研报告，不能放弃领题。');
      state.team = team(Object.assign({}, initial, { status: 'abandoned', status_label: '已放弃' }));
      return json(200, state.team);
    },
  };
  return { state, routes };
}

test('the team\'s page: the lead submits a report — checks, a counter at the API\'s limit, photos, consent, one key', async () => {
  const { state, routes } = teamServer({});
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  assert.equal(page9.data.loading, false);
  assert.equal(page9.data.topic.title, '优化营商环境专题调研');
  assert.deepEqual(page9.data.team.members.map((m) => [m.name, m.is_lead]), [['张伟', true], ['李娜', false]]);
  assert.equal(page9.data.team.reportText, '未提交');
  assert.equal(page9.data.team.canSubmit, true);
  assert.equal(page9.data.team.canAbandon, true);
  assert.equal(page9.data.bodyMax, 20000, 'the API\'s limit (ResearchReportIn.body)');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/team.wxml'), 'utf8');
  assert.match(wxml, /\{\{bodyLength\}\}\/\{\{bodyMax\}\}/);

  await page9.submit();
  assert.equal(said(wx).at(-1), '请填写报告标题。');
  await page9.onTitle({ detail: { value: '关于优化营商环境的调研报告' } });
  await page9.submit();
  assert.equal(said(wx).at(-1), '请填写报告正文。');
  await page9.onBody({ detail: { value: '调'.repeat(20001) } });
  assert.equal(page9.data.bodyLength, 20001);
  await page9.submit();
  assert.equal(said(wx).at(-1), '报告正文最多 20000 字，现有 20001 字。');
  assert.equal(state.keys.length, 0, 'nothing sent while the form is wrong');
  assert.equal(wx.calls.requestSubscribeMessage, undefined);
  await page9.onBody({ detail: { value: ' 一、基本情况…… ' } });
  assert.equal(page9.data.bodyLength, 8, 'counted as the server counts: trimmed');

  wx.queue.media.push({ tempFiles: [{ tempFilePath: '/tmp/site.jpg' }] });
  await page9.choosePhotos();
  assert.deepEqual(page9.data.photos.map((p) => [p.status, p.id]), [['done', 101]]);

  state.fail = 1;
  await page9.submit(); // lost: the words stay, 提交 again with the same key
  assert.equal(page9.data.title, '关于优化营商环境的调研报告');
  await page9.submit();
  assert.deepEqual(state.keys, [state.keys[0], state.keys[0]], 'one key for the one report');
  assert.deepEqual(state.sent, [{ title: '关于优化营商环境的调研报告', body: '一、基本情况……', attachment_ids: [101] }]);
  const subscribe = wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = wx.order.findIndex((c) => c.name === 'request' && /\/teams\/9\/report$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, '调研课题进展通知 asked before the report goes');
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-research']);
  assert.ok(wx.toasts.includes('已提交'));
  assert.equal(page9.data.team.report.stateText, '待审核');
  assert.equal(page9.data.team.canSubmit, false, 'no form while it waits for review');
  assert.equal(page9.data.team.canAbandon, false, 'no 放弃领题 once a report is in');
  assert.deepEqual(page9.data.reportPhotos, ['/tmp/p1.jpg']);
});

test('the team\'s page: a photo that failed to upload holds the report until retried or removed', async () => {
  const { state, routes } = teamServer({});
  const upload = routes['POST /api/v1/uploads'];
  routes['POST /api/v1/uploads'] = (req) => (/bad/.test(req.filePath)
    ? error(415, 'unsupported_media', '只能上传 JPEG、PNG 或 WebP 格式的图片。') : upload(req));
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  await page9.onTitle({ detail: { value: '报告' } });
  await page9.onBody({ detail: { value: '正文' } });
  wx.queue.media.push({ tempFiles: [{ tempFilePath: '/tmp/ok.jpg' }, { tempFilePath: '/tmp/bad.gif' }] });
  await page9.choosePhotos();
  assert.deepEqual(page9.data.photos.map((p) => p.status), ['done', 'failed']);
  assert.ok(said(wx).includes('只能上传 JPEG、PNG 或 WebP 格式的图片。'));
  await page9.submit();
  assert.equal(said(wx).at(-1), '有照片上传失败，请点击重试或删除后再提交。');
  assert.equal(state.keys.length, 0);
  await page9.removePhoto(event({ key: page9.data.photos[1].key }));
  await page9.submit();
  assert.deepEqual(state.sent.map((d) => d.attachment_ids), [[101]]);
});

test('the team\'s page: 退回修改 with the reason, the form filled from it, resubmitted; a 422 shows the field sentences', async () => {
  const { state, routes } = teamServer({ report: report({ status: 'returned', status_label: '退回修改', return_reason: '请补充企业走访数据。',
    photos: [{ id: 1, url: '/api/v1/uploads/p1.jpg' }] }) });
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  assert.equal(page9.data.team.report.stateText, '退回修改');
  assert.equal(page9.data.team.report.return_reason, '请补充企业走访数据。');
  assert.equal(page9.data.team.canSubmit, true);
  assert.equal(page9.data.title, '关于优化营商环境的调研报告');
  assert.equal(page9.data.body, '一、基本情况……');
  assert.deepEqual(page9.data.photos.map((p) => [p.id, p.path]), [[1, '/tmp/p1.jpg']], 'its photos carried over');

  state.refuse = error(422, 'validation_failed', '照片不存在或已被使用，请重新上传。',
    { attachment_ids: ['照片不存在或已被使用，请重新上传。'] });
  await page9.submit();
  assert.ok(said(wx).includes('照片不存在或已被使用，请重新上传。'));
  const refusedKey = state.keys[0];
  assert.equal(page9.data.title, '关于优化营商环境的调研报告', 'the form kept for a correction');
  state.refuse = null;
  await page9.onBody({ detail: { value: '一、基本情况……二、走访数据……' } });
  await page9.submit();
  assert.notEqual(state.keys[1], refusedKey, 'a new key after a refusal');
  assert.deepEqual(state.sent, [{ title: '关于优化营商环境的调研报告', body: '一、基本情况……二、走访数据……', attachment_ids: [1] }]);
  assert.equal(page9.data.team.report.round, 2);
  assert.equal(page9.data.team.report.stateText, '待审核');
});

test('the team\'s page: a report waiting refuses a resubmission with the server\'s sentence', async () => {
  const { state, routes } = teamServer({ report: report({ status: 'returned', status_label: '退回修改', return_reason: '补充' }) });
  state.refuse = error(409, 'invalid_transition', '调研报告正在审核，请等待审核结果。');
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  state.team.report = report(); // resubmitted from another phone meanwhile
  await page9.submit();
  assert.ok(said(wx).includes('调研报告正在审核，请等待审核结果。'));
  assert.equal(page9.data.team.report.stateText, '待审核');
  assert.equal(page9.data.team.canSubmit, false);
});

test('the team\'s page: 已通过 and 获领导批示 with who and what; a member has no form and no 放弃领题', async () => {
  const { routes } = teamServer({ lead_deputy_id: 8, members: [{ deputy_id: 8, name: '李娜', level_label: '市人大代表', is_lead: true },
    { deputy_id: 7, name: '张伟', level_label: '市人大代表', is_lead: false }],
  report: report({ status: 'accepted', status_label: '已通过', reviewed_at: '2026-05-03T02:00:00+00:00', instructed: true,
    instructed_by: '市委书记', instruction_date: '2026-06-01', instruction_text: '调研扎实，请市发改委研究落实。' }) });
  const { phone } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  const r = page9.data.team.report;
  assert.equal(r.stateText, '获领导批示');
  assert.equal(r.lateText, '');
  assert.deepEqual([r.instructed_by, r.instruction_date, r.instruction_text], ['市委书记', '2026-06-01', '调研扎实，请市发改委研究落实。']);
  assert.equal(page9.data.team.isLead, false);
  assert.equal(page9.data.team.canSubmit, false);
  assert.equal(page9.data.team.canAbandon, false);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/team.wxml'), 'utf8');
  assert.match(wxml, /获领导批示：\{\{team\.report\.instructed_by\}\}/);
  assert.match(wxml, /退回修改：\{\{team\.report\.return_reason\}\}/);
});

test('the team\'s page: 放弃领题 after a dialog; cancelled, nothing sent; a team not found says so', async () => {
  const { routes } = teamServer({});
  let asked = 0;
  const abandon = routes['POST /api/v1/research/teams/9/abandon'];
  routes['POST /api/v1/research/teams/9/abandon'] = (req) => { asked += 1; return abandon(req); };
  routes['GET /api/v1/research/teams/12'] = () => error(404, 'not_found', '调研团队不存在。');
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  wx.queue.modal.push({ confirm: false });
  await page9.abandon();
  assert.equal(asked, 0);
  await page9.abandon();
  assert.equal(asked, 1);
  assert.ok(wx.toasts.includes('已放弃领题'));
  assert.equal(page9.data.team.active, false);
  assert.equal(page9.data.team.status_label, '已放弃');
  assert.equal(page9.data.team.canSubmit, false);
  const missing = await phone.open('pages/research/team', { id: '12' });
  assert.equal(missing.data.error, '调研团队不存在。');
});

test('the team\'s page: a topic withdrawn shows it and no form; 我的调研 that cannot load shows the error with 重试', async () => {
  const { routes } = teamServer({});
  routes['GET /api/v1/research/topics/4'] = () => json(200, topic({ status: 'withdrawn', status_label: '已撤回', can_take: false }));
  let down = true;
  routes['GET /api/v1/me/research'] = (req) => (down ? error(503, 'unavailable', '服务暂时不可用，请稍后重试。') : page([], req));
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  assert.equal(page9.data.topic.status, 'withdrawn');
  assert.equal(page9.data.team.canSubmit, false);
  assert.match(fs.readFileSync(path.join(ROOT, 'pages/research/team.wxml'), 'utf8'), /该课题已撤回，不能提交调研报告。/);
  const mine = await phone.open('pages/research/mine');
  assert.equal(mine.data.error, '服务暂时不可用，请稍后重试。');
  assert.ok(said(wx).includes('服务暂时不可用，请稍后重试。'));
  down = false;
  await mine.reload();
  assert.equal(mine.data.error, '');
});

test('archive: the year\'s research teams with role, report and who instructed on it', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7/archive': (req) => json(200, {
      deputy: { id: 7, name: '张伟', level_label: '市人大代表', region_name: '怀化市', group: '' }, year: Number(req.query.year),
      activities: [], trainings_attended: 0, report_polls: [],
      suggestions: { received: 0, closed: 0, closed_on_time: 0, closed_implemented: 0, satisfaction: {} },
      research: { teams: 2, reports_submitted: 1, reports_accepted: 1, reports_instructed: 1, lines: [
        { topic: '优化营商环境专题调研', theme: '产业发展', team: '张伟团队', role: '牵头', report_title: '关于优化营商环境的调研报告',
          report_status: 'accepted', report_status_label: '已通过', instructed: true, instructed_by: '市委书记' },
        { topic: '城市更新', theme: '城市更新', team: '王芳团队', role: '成员', report_title: '', report_status: null,
          report_status_label: '未提交', instructed: false, instructed_by: '' }] },
      points: { total: 0, rank: null, by_rule: [], grade: { label: '差', min_points: null, provisional: true } },
    }),
  }, { user: DEPUTY });
  const archive = await phone.open('pages/archive/archive');
  assert.equal(archive.data.empty, false, 'a year with research is not empty');
  assert.equal(archive.data.research.countsText, '参加调研团队 2 个，提交调研报告 1 篇，通过审核 1 篇，获领导批示 1 篇');
  assert.deepEqual(archive.data.research.lines.map((l) => [l.topic, l.role, l.reportTitle, l.stateText]), [
    ['优化营商环境专题调研', '牵头', '关于优化营商环境的调研报告', '已通过 · 市委书记批示'],
    ['城市更新', '成员', '', '未提交'],
  ]);
  assert.match(fs.readFileSync(path.join(ROOT, 'pages/archive/archive.wxml'), 'utf8'), /调研清单（揭榜领题）/);
});

test('the team\'s page: a member the lead named leaves after a dialog (退出团队) and is taken to the topic; the lead has no such button', async () => {
  const { state, routes } = teamServer({});
  let asked = 0;
  routes['POST /api/v1/research/teams/9/leave'] = () => {
    asked += 1;
    if (state.team.report && state.team.report.status === 'accepted') {
      return error(409, 'invalid_transition', '调研报告已通过审核，不能退出团队。');
    }
    return json(200, team({ members: [state.team.members[0]], report: null }));
  };
  const LI = Object.assign({}, DEPUTY, { id: 3, display_name: '李娜', deputy_id: 8 });
  const { phone, wx } = unitPhone(routes, { user: LI });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  assert.equal(page9.data.team.isLead, false);
  assert.equal(page9.data.team.canLeave, true);
  assert.equal(page9.data.team.canAbandon, false);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/team.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{team\.canLeave\}\}"[^>]*bindtap="leave"[^>]*>退出团队</);
  wx.queue.modal.push({ confirm: false });
  await page9.leave();
  assert.equal(asked, 0);
  await page9.leave();
  assert.equal(asked, 1);
  assert.ok(wx.toasts.includes('已退出团队'));
  assert.equal(wx.navigations.at(-1).url, '/pages/research/topic?id=4');

  // Once the report is accepted there is no button; a refusal meanwhile says why and reads the team again.
  state.team.report = report({ status: 'accepted', status_label: '已通过' });
  const later = await phone.open('pages/research/team', { id: '9' });
  assert.equal(later.data.team.canLeave, false);
  state.team.report = report({ status: 'submitted' });
  const stale = await phone.open('pages/research/team', { id: '9' });
  assert.equal(stale.data.team.canLeave, true);
  state.team.report = report({ status: 'accepted', status_label: '已通过' });
  await stale.leave();
  assert.equal(said(wx).at(-1), '调研报告已通过审核，不能退出团队。');
  assert.equal(stale.data.team.canLeave, false);

  // The lead (张伟) gives the topic up instead; a team whose topic was withdrawn has neither.
  const lead = unitPhone(routes, { user: DEPUTY });
  state.team.report = null;
  const own = await lead.phone.open('pages/research/team', { id: '9' });
  assert.equal(own.data.team.canLeave, false);
  assert.equal(own.data.team.canAbandon, true);
  state.team.status = 'withdrawn';
  state.team.status_label = '课题已撤回';
  const ended = await phone.open('pages/research/team', { id: '9' });
  assert.equal(ended.data.team.canLeave, false);
  assert.doesNotMatch(wxml, /wx:if="\{\{!team\.active\}\}">已放弃领题/);
});

test('the team\'s page: a report submitted after the topic\'s due date reads 逾期提交', async () => {
  const { routes } = teamServer({ report: report({ late: true }) });
  const { phone } = unitPhone(routes, { user: DEPUTY });
  const page9 = await phone.open('pages/research/team', { id: '9' });
  assert.equal(page9.data.team.report.lateText, '逾期提交');
  assert.equal(page9.data.team.report.stateText, '待审核');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/team.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{team\.report\.lateText\}\}"[^>]*>\{\{team\.report\.lateText\}\}<\/text>/);
});

function colleague(id, name, overrides) {
  return Object.assign({ id, name, level_label: '市人大代表', region_name: '鹤城区' }, overrides);
}

test('领题 with members: colleagues found by name page by page, chosen and removed, sent as member_deputy_ids', async () => {
  const asked = [];
  const sent = [];
  const many = Array.from({ length: 25 }, (_, i) => colleague(100 + i, '代表' + (i + 1)));
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [] })),
    'GET /api/v1/research/topics/4/eligible-members': (req) => {
      asked.push(req.query);
      const pageNo = Number(req.query.page);
      const perPage = Number(req.query.per_page);
      const rows = req.query.q === '李' ? [colleague(8, '李娜'), colleague(11, '李强', { region_name: '怀化市', level_label: '省人大代表' })]
        : req.query.q === '无此人' ? [] : many;
      return json(200, { items: rows.slice((pageNo - 1) * perPage, pageNo * perPage), total: rows.length, page: pageNo, per_page: perPage });
    },
    'POST /api/v1/research/topics/4/teams': (req) => {
      sent.push(req.data);
      return json(201, team());
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  assert.deepEqual(asked, [], 'nothing asked before a search');

  await detail.onMemberKeyword({ detail: { value: ' 李 ' } });
  await detail.searchMembers();
  assert.deepEqual(asked.at(-1), { page: '1', per_page: '20', q: '李' });
  assert.deepEqual(detail.data.candidates.map((c) => [c.name, c.level_label, c.region_name, c.chosen]),
    [['李娜', '市人大代表', '鹤城区', false], ['李强', '省人大代表', '怀化市', false]]);
  assert.equal(detail.data.memberHasMore, false);
  await detail.addMember(event({ id: 8 }));
  await detail.addMember(event({ id: 8 })); // twice: once
  await detail.addMember(event({ id: 11 }));
  assert.deepEqual(detail.data.chosen.map((m) => m.name), ['李娜', '李强']);
  assert.deepEqual(detail.data.candidates.map((c) => c.chosen), [true, true]);
  await detail.removeMember(event({ id: 11 }));
  assert.deepEqual(detail.data.chosen.map((m) => m.name), ['李娜']);
  assert.deepEqual(detail.data.candidates.map((c) => c.chosen), [true, false]);

  // Nobody found says so; an empty keyword lists everyone who may join, page by page.
  await detail.onMemberKeyword({ detail: { value: '无此人' } });
  await detail.searchMembers();
  assert.deepEqual([detail.data.candidates, detail.data.memberSearchDone], [[], true]);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/research/topic.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{memberSearchDone && !candidates\.length\}\}">没有找到可列入团队的代表。/);
  await detail.onMemberKeyword({ detail: { value: '' } });
  await detail.searchMembers();
  assert.deepEqual(asked.at(-1), { page: '1', per_page: '20' });
  assert.equal(detail.data.candidates.length, 20);
  assert.equal(detail.data.memberHasMore, true);
  await detail.moreMembers();
  assert.deepEqual(asked.at(-1), { page: '2', per_page: '20' });
  assert.equal(detail.data.candidates.length, 25);
  assert.equal(detail.data.memberHasMore, false);
  assert.equal(await detail.moreMembers(), null, 'no page beyond the last');
  assert.deepEqual(detail.data.chosen.map((m) => m.name), ['李娜'], 'the members chosen stay through new searches');

  // At most 20 besides the lead: 李娜 and 19 more; the 21st is refused with the API's sentence.
  for (const c of many.slice(0, 20)) await detail.addMember(event({ id: c.id }));
  assert.equal(detail.data.chosen.length, 20);
  assert.ok(said(wx).includes('调研团队成员最多 20 位（不含牵头代表）。'));
  assert.equal(detail.data.chosen.some((m) => m.id === 119), false);
  await detail.removeMember(event({ id: 100 }));

  await detail.onGroupName({ detail: { value: '第三代表小组' } });
  await detail.take();
  assert.deepEqual(sent, [{ group_name: '第三代表小组', member_deputy_ids: [8, ...many.slice(1, 19).map((c) => c.id)] }]);
  assert.equal(wx.calls.redirectTo.at(-1).url, '/pages/research/team?id=9');
});

test('领题 with members refused: the server\'s sentence, the topic read again, the members chosen kept for the lead to change', async () => {
  const sent = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [] })),
    'GET /api/v1/research/topics/4/eligible-members': () => json(200, { items: [colleague(8, '李娜'), colleague(9, '周强')], total: 2, page: 1, per_page: 20 }),
    'POST /api/v1/research/topics/4/teams': (req) => {
      sent.push(req.data);
      return sent.length === 1 ? error(409, 'conflict', '以下代表已在本课题的其他调研团队中：周强。') : json(201, team());
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  await detail.searchMembers();
  await detail.addMember(event({ id: 8 }));
  await detail.addMember(event({ id: 9 }));
  await detail.take();
  assert.ok(said(wx).includes('以下代表已在本课题的其他调研团队中：周强。'));
  assert.deepEqual(detail.data.chosen.map((m) => m.name), ['李娜', '周强']);
  await detail.removeMember(event({ id: 9 }));
  await detail.take();
  assert.deepEqual(sent.map((b) => b.member_deputy_ids), [[8, 9], [8]]);
});

test('领题 members search: only the latest search shows; a search that fails says why in place of the results', async () => {
  let release = () => null;
  const { phone } = unitPhone({
    'GET /api/v1/research/topics/4': () => json(200, topic({ teams: [] })),
    'GET /api/v1/research/topics/4/eligible-members': (req) => {
      if (req.query.q === '慢') {
        const answer = json(200, { items: [colleague(8, '慢回答')], total: 1, page: 1, per_page: 20 });
        return new Promise((resolve) => { release = () => resolve(answer); });
      }
      if (req.query.q === '错') return error(500, 'internal', '服务器开小差了，请稍后再试。');
      return json(200, { items: [colleague(9, '周强')], total: 1, page: 1, per_page: 20 });
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/research/topic', { id: '4' });
  await detail.onMemberKeyword({ detail: { value: '慢' } });
  const slow = detail.searchMembers();
  await detail.onMemberKeyword({ detail: { value: '周' } });
  await detail.searchMembers();
  release();
  assert.equal(await slow, null);
  assert.deepEqual(detail.data.candidates.map((c) => c.name), ['周强']);
  assert.equal(detail.data.memberSearched, '周');
  await detail.onMemberKeyword({ detail: { value: '错' } });
  await detail.searchMembers();
  assert.deepEqual([detail.data.candidates, detail.data.memberSearching], [[], false]);
  assert.ok(detail.data.memberError);
});
