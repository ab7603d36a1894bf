// 个人信息 (pages/privacy): the copy of what is held about the citizen, reached from 我的, and 注销账号 after a
// dialog saying what is erased and what is kept; a deputy is told whom to ask.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');

const COPY = {
  account: { id: 1, kind: 'wechat', kind_label: '微信小程序', phone: '13911112222', created_at: '2026-05-01T01:30:00+00:00', last_login_at: null },
  suggestions: { total: 1, items: [{
    id: 11, number: 'MSB-20260501-000011', status: 'assigned', status_label: '待接单', category: '城市管理',
    content: '路灯不亮', contact_phone: '13733334444', location: { lat: 27.5, lng: 109.9, address: '迎丰路 12 号' },
    anonymous: false, public_consent: false, photos: 2, created_at: '2026-05-01T01:30:00+00:00',
  }] },
  unattached_photos: 0,
  ratings: { total: 0, items: [] },
  appointments: { total: 1, items: [{
    id: 5, number: 'YJ-20260501-000005', status: 'requested', status_label: '待确认', topic: '加装电梯', name: '王先生',
    contact_phone: '13912345678', preferred_time: '下周二', meet_at: null, created_at: '2026-05-01T01:30:00+00:00',
  }] },
  livelihood_proposals: { total: 0, items: [] },
  consultation_opinions: { total: 2, items: [{
    id: 7, consultation_id: 3, consultation_title: '怀化市城市绿化条例（草案）', article_number: '第三条',
    content: '建议提高绿地率', contact_phone: '13800002222', feedback_label: '部分采纳', created_at: '2026-05-02T01:30:00+00:00',
  }, {
    id: 6, consultation_id: 3, consultation_title: '怀化市城市绿化条例（草案）', article_number: null,
    content: '总体赞成', contact_phone: null, feedback_label: null, created_at: '2026-05-01T01:30:00+00:00',
  }] },
  report_poll_ballots: { total: 1, items: [{
    id: 9, activity_title: '2026 年度代表向选民述职会', activity_starts_at: '2026-05-03T01:00:00+00:00',
    choices: [{ deputy_name: '张伟', choice: 'satisfied', choice_label: '满意' },
      { deputy_name: '李娜', choice: 'dissatisfied', choice_label: '不满意' }],
    comment: '希望多进站接待', created_at: '2026-05-03T01:30:00+00:00',
  }] },
};

test('我的 leads to 个人信息, which shows the phone, the items with their contacts, and the appointments', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }),
    'GET /api/v1/me/personal-data': () => json(200, COPY),
  });
  const mine = await phone.open('pages/mine/mine', {});
  mine.privacy();
  assert.equal(wx.lastNavigation().url, '/pages/privacy/privacy');
  const page = await phone.follow();
  assert.equal(page.route, 'pages/privacy/privacy');
  assert.equal(page.data.data.account.phone, '13911112222');
  assert.equal(page.data.data.account.createdText, '2026-05-01 09:30');
  assert.deepEqual(page.data.data.suggestions.map((s) => [s.number, s.contact_phone, s.photos, s.placeText]),
    [['MSB-20260501-000011', '13733334444', 2, '迎丰路 12 号']]);
  assert.deepEqual(page.data.data.appointments.map((a) => [a.number, a.name, a.contact_phone]),
    [['YJ-20260501-000005', '王先生', '13912345678']]);
  assert.equal(page.data.data.opinionTotal, 2);
  assert.deepEqual(page.data.data.opinions.map((o) => [o.consultation_title, o.articleText, o.feedbackText, o.content, o.contact_phone]), [
    ['怀化市城市绿化条例（草案）', '第三条', '部分采纳', '建议提高绿地率', '13800002222'],
    ['怀化市城市绿化条例（草案）', '总体意见', '待反馈', '总体赞成', null]]);
  assert.equal(page.data.data.ballotTotal, 1);
  assert.deepEqual(page.data.data.ballots.map((b) => [b.activity_title, b.dateText, b.choicesText, b.comment]), [
    ['2026 年度代表向选民述职会', '2026-05-03', '张伟：满意；李娜：不满意', '希望多进站接待']]);
});

test('注销账号: nothing is sent until confirmed; the dialog says what is erased and what is kept; the phone signs out', async () => {
  const deletes = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/me/personal-data': () => json(200, COPY),
    'DELETE /api/v1/me': (req) => {
      deletes.push(req.header.Authorization);
      return { statusCode: 204, data: '' };
    },
  });
  const page = await phone.open('pages/privacy/privacy', {});
  const token = wx.getStorageSync('msb_token');
  assert.ok(token);
  wx.setStorageSync('msb_appointment_phone', '13912345678'); // as 约见 keeps it for the next form

  wx.queue.modal.push({ confirm: false });
  assert.equal(await page.erase(), null);
  assert.deepEqual(deletes, []);
  const dialog = wx.calls.showModal[0];
  assert.equal(dialog.title, '确定注销账号吗？');
  assert.match(dialog.content, /将删除：您的微信身份、手机号，建议、约见、民生实事建议和立法意见中留下的联系电话和位置.*照片/);
  assert.match(dialog.content, /将保留：已提交的建议、约见、民生实事建议和立法意见的内容、述职测评的评价和测评意见（其中的姓名、电话、门牌号等个人信息将被隐去）和办理记录.*匿名“群众”身份继续办理/);

  wx.queue.modal.push({ confirm: true });
  assert.equal(await page.erase(), true);
  assert.deepEqual(deletes, ['Bearer ' + token]);
  assert.equal(page.data.erased, true);
  assert.equal(wx.getStorageSync('msb_token'), '', 'the token is forgotten');
  assert.equal(wx.getStorageSync('msb_user'), '', 'and the user');
  assert.equal(wx.getStorageSync('msb_appointment_phone'), '', 'and the 约见 contact phone it kept');
  page.home();
  assert.equal(wx.lastNavigation().url, '/pages/index/index');
});

test('a deputy reads whom to ask instead of a copy, and a refused 注销 says why', async () => {
  const message = '您的微信已绑定人大代表身份，代表的信息属于代表名册，由人大常委会代表工作机构维护，不能在此查看或注销。如需更正或删除个人信息，请联系所在联络站或人大常委会代表工作机构。';
  const { phone } = unitPhone({
    'GET /api/v1/me/personal-data': () => error(403, 'forbidden', message),
  }, { user: DEPUTY });
  const page = await phone.open('pages/privacy/privacy', {});
  assert.equal(page.data.refusal, message);
  assert.equal(page.data.data, null);

  const linked = '本微信正在接收管理账号的工作提醒，不能直接注销。请先由该账号在管理后台解除微信提醒，或联系上级管理员，再注销。';
  const citizen = unitPhone({
    'GET /api/v1/me/personal-data': () => json(200, COPY),
    'DELETE /api/v1/me': () => error(409, 'conflict', linked),
  });
  const other = await citizen.phone.open('pages/privacy/privacy', {});
  assert.equal(await other.erase(), null);
  assert.equal(other.data.error, linked);
  assert.equal(other.data.erased, false);
  assert.ok(citizen.wx.getStorageSync('msb_token'), 'still signed in');
});

test('个人信息 says what the public pages show of each item: the words and reply as published, or 不予公开', async () => {
  const base = COPY.suggestions.items[0];
  const copy = Object.assign({}, COPY, { suggestions: { total: 3, items: [
    Object.assign({}, base, { id: 13, public_consent: true, publication: {
      state: 'published', state_label: '公开展示中', content: '楼道堆放杂物', reply_content: '已督促物业清理' } }),
    Object.assign({}, base, { id: 12, public_consent: true, publication: {
      state: 'withheld', state_label: '不予公开', content: null, reply_content: null } }),
    Object.assign({}, base, { publication: {
      state: 'not_published', state_label: '未公开展示', content: null, reply_content: null } }),
  ] } });
  const { phone } = unitPhone({ 'GET /api/v1/me/personal-data': () => json(200, copy) });
  const page = await phone.open('pages/privacy/privacy', {});
  assert.deepEqual(page.data.data.suggestions.map((s) => [s.id, s.publicationText]), [
    [13, '公开展示中：楼道堆放杂物；答复：已督促物业清理'],
    [12, '不予公开'],
    [11, '未公开展示'],
  ]);
});
