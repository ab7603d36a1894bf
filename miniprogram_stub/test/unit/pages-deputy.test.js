// The deputy's pages with a wx stand-in: binding, inbox, handling, activities, check-in, points.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { unitPhone, json, error, suggestion, pagedSuggestions, staffView, followerView, CITIZEN, DEPUTY } = require('../support/unit');
const { event, until, asked, ROOT } = require('../support/harness');

// A refused check-in: 409 checkin_refused with its reason (beyond the contract's fields).
const refusal = (message, reason) => json(409, { error: 'checkin_refused', message, reason });

test('binding: the phone button code goes to /auth/bind-phone; a deputy lands in the inbox', async () => {
  const bodies = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/auth/bind-phone': (req) => { bodies.push(req.data); return json(200, { user: DEPUTY }); },
    'GET /api/v1/suggestions': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }),
  });
  const bind = await phone.open('pages/bind/bind');
  assert.equal(bind.data.isDeputy, false);

  // The user refused the phone number: no code, nothing sent.
  assert.equal(await bind.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } }), null);
  assert.deepEqual(bodies, []);
  assert.deepEqual(wx.toasts, ['需要授权手机号才能核对代表身份']);

  const user = await bind.onGetPhoneNumber({ detail: { code: 'phone-13800000003', errMsg: 'getPhoneNumber:ok' } });
  assert.deepEqual(bodies, [{ code: 'phone-13800000003' }]);
  assert.deepEqual(user, DEPUTY);
  assert.deepEqual(wx.getStorageSync('msb_user'), DEPUTY, 'the stored user is the deputy now');
  assert.deepEqual(phone.app.globalData.user, DEPUTY);
  assert.equal(wx.lastNavigation().url, '/pages/inbox/inbox');
  const inbox = await phone.follow();
  assert.equal(inbox.data.isDeputy, true);
  assert.equal(inbox.data.error, '');
});

test('binding: a phone not in the deputy base is told so; an expired phone code shows the server message', async () => {
  let answer = json(200, { user: Object.assign({}, CITIZEN, { phone_masked: '139****0000' }) });
  const { phone, wx } = unitPhone({ 'POST /api/v1/auth/bind-phone': () => answer });
  const bind = await phone.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-13900000000' } });
  assert.equal(bind.data.isDeputy, false);
  assert.match(wx.modals[0], /不在人大代表名册中/);
  assert.deepEqual(wx.navigations, []);
  answer = error(422, 'validation_failed', '手机号验证失败，请重新授权。', { code: ['手机号授权已失效，请重新点击按钮授权。'] });
  assert.equal(await bind.onGetPhoneNumber({ detail: { code: 'stale' } }), null);
  assert.equal(wx.modals[1] || wx.toasts[0], '手机号验证失败，请重新授权。');
  assert.equal(bind.data.binding, false);
});

test('binding: a double tap binds once, with no refusal of the spent phone code after the success', async () => {
  const used = new Set();
  const { phone, wx } = unitPhone({
    // WeChat's phone code is good once.
    'POST /api/v1/auth/bind-phone': (req) => {
      if (used.has(req.data.code)) return error(422, 'validation_failed', '手机号验证失败，请重新授权。');
      used.add(req.data.code);
      return json(200, { user: DEPUTY });
    },
  });
  const bind = await phone.open('pages/bind/bind');
  const tap = { detail: { code: 'phone-13800000003', errMsg: 'getPhoneNumber:ok' } };
  await Promise.all([bind.onGetPhoneNumber(tap), bind.onGetPhoneNumber(tap)]);
  assert.equal(wx.requests.filter((r) => /bind-phone/.test(r.url)).length, 1);
  assert.deepEqual(wx.toasts.concat(wx.modals), ['已绑定代表身份']);
  assert.equal(wx.navigations.length, 1);
  assert.equal(bind.data.isDeputy, true);
});

test('inbox: tabs ask the server for 待接单, 办理中, 转办中 and overdue; accept from the list', async () => {
  const queries = [];
  let accepted = 0;
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': (req) => {
      queries.push(req.query);
      const items = req.query.status === 'assigned' && !accepted ? [suggestion()] : [];
      return json(200, { items, total: items.length, page: 1, per_page: 20 });
    },
    'POST /api/v1/suggestions/11/accept': () => { accepted += 1; return json(200, suggestion({ status: 'accepted' })); },
  }, { user: DEPUTY });
  const inbox = await phone.open('pages/inbox/inbox');
  assert.deepEqual(inbox.data.tabs.map((t) => t.label), ['待接单', '办理中', '转办中', '已超期', '已答复', '已办结']);
  assert.deepEqual(inbox.data.items.map((i) => i.id), [11]);
  await inbox.accept(event({ id: 11 }));
  assert.equal(accepted, 1);
  assert.deepEqual(inbox.data.items, []);
  assert.deepEqual(wx.toasts, ['已接单']);
  // In the tap, before 接单: consent to be told of 督办 while handling it.
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-supervised']]);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /suggestions/11/accept'), order.join(', '));
  await inbox.switchTab(event({ key: 'accepted' }));
  await inbox.switchTab(event({ key: 'forwarded' }));
  await inbox.switchTab(event({ key: 'overdue' }));
  assert.deepEqual(queries.map((q) => [q.scope, q.status || '', q.overdue || '']), [
    ['assigned', 'assigned', ''], ['assigned', 'assigned', ''], ['assigned', 'accepted', ''],
    ['assigned', 'forwarded', ''], ['assigned', '', 'true'],
  ]);
  const subscribed = await inbox.subscribe();
  assert.equal(subscribed, 2);
  assert.deepEqual(wx.calls.requestSubscribeMessage.at(-1).tmplIds, ['tmpl-new-item', 'tmpl-overdue']);
  assert.equal(wx.toasts.pop(), '已开启提醒');
  // 发单 and 揭榜 apart (WeChat asks at most three at once): a notice of places spends no invitation's consent.
  assert.equal(await inbox.subscribeActivities(), 2);
  assert.deepEqual(wx.calls.requestSubscribeMessage.at(-1).tmplIds, ['tmpl-activity', 'tmpl-activity-claim']);
  assert.equal(wx.toasts.pop(), '已开启提醒');
});

test('inbox: 已答复 and 已办结 list what the deputy answered, with where the citizen\'s rating stands; each tab says when it is empty', async () => {
  const queries = [];
  const rows = {
    replied: [staffView({ id: 5, status: 'replied', status_label: '已答复', reply_content: '已协调更换路灯',
      reply_due_at: '2026-05-11T15:59:59+00:00' })],
    closed: [
      staffView({ id: 6, status: 'closed', status_label: '已办结', satisfaction: 'basically_satisfied' }),
      staffView({ id: 7, status: 'closed', status_label: '已办结', satisfaction: null }),
    ],
  };
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': (req) => {
      queries.push(Object.assign({}, req.query));
      const items = rows[req.query.status] || [];
      return json(200, { items, total: items.length, page: 1, per_page: 20 });
    },
  }, { user: DEPUTY });
  const inbox = await phone.open('pages/inbox/inbox');
  const shown = () => inbox.data.items.map((i) => [i.id, i.statusText, i.ratingText, i.dueText]);
  assert.deepEqual([inbox.data.items, inbox.data.emptyText], [[], '暂无待接单的建议']);

  await inbox.switchTab(event({ key: 'replied' }));
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'replied', sort: 'newest', page: '1', per_page: '20' });
  // Answered: no deadline of the deputy's any more, the citizen's rating awaited.
  assert.deepEqual(shown(), [[5, '已答复', '等待群众评价', '']]);
  await inbox.switchTab(event({ key: 'closed' }));
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'closed', sort: 'newest', page: '1', per_page: '20' });
  assert.deepEqual(shown(), [[6, '已办结', '群众评价：基本满意', ''], [7, '已办结', '群众未评价', '']]);

  // Emptied meanwhile: the tab says what it lists.
  rows.closed = [];
  rows.replied = [];
  await inbox.reload();
  assert.deepEqual([inbox.data.items, inbox.data.emptyText], [[], '暂无已办结的建议']);
  await inbox.switchTab(event({ key: 'replied' }));
  assert.deepEqual([inbox.data.items, inbox.data.emptyText], [[], '暂无等待群众评价的建议']);
  await inbox.switchTab(event({ key: 'overdue' }));
  assert.equal(inbox.data.emptyText, '暂无超期的建议');
  assert.equal(await inbox.switchTab(event({ key: 'withdrawn' })), null, 'no such tab: nothing asked');
  assert.equal(inbox.data.tab, 'overdue');

  // A link to the tab (a message's page path) opens it.
  const opened = await phone.open('pages/inbox/inbox', { tab: 'closed' });
  assert.deepEqual([opened.data.tab, opened.data.emptyText, queries.at(-1).status], ['closed', '暂无已办结的建议', 'closed']);

  const wxml = fs.readFileSync(path.join(ROOT, 'pages/inbox/inbox.wxml'), 'utf8');
  assert.match(wxml, /<view class="muted rating" wx:if="\{\{item\.ratingText\}\}">\{\{item\.ratingText\}\}<\/view>/);
  assert.match(wxml, /\{\{searched \? '没有找到相关建议' : emptyText\}\}/);
});

test('inbox: each row shows the deputy its deadline, short in China time, and whether it is due soon or overdue', async () => {
  const rows = {
    assigned: [
      staffView({ id: 1, status: 'assigned', accept_due_at: '2026-05-31T16:30:00+00:00', due_soon: true }),
      staffView({ id: 2, status: 'assigned', accept_due_at: '2026-05-02T01:30:00+00:00', overdue: true }),
    ],
    accepted: [staffView({ id: 3, status: 'accepted', status_label: '办理中', accept_due_at: '2026-05-02T01:30:00+00:00',
      reply_due_at: '2026-05-11T15:59:59+00:00' })],
    forwarded: [staffView({ id: 4, status: 'forwarded', status_label: '转办中', reply_due_at: '2026-05-11T15:59:59+00:00', overdue: true })],
  };
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': (req) => {
      const items = rows[req.query.status] || [];
      return json(200, { items, total: items.length, page: 1, per_page: 20 });
    },
  }, { user: DEPUTY });
  const inbox = await phone.open('pages/inbox/inbox');
  const shown = () => inbox.data.items.map((i) => [i.id, i.dueText, i.flags]);
  assert.deepEqual(shown(), [
    [1, '请于 06-01 00:30 前接单', ['临期']],
    [2, '请于 05-02 09:30 前接单', ['已超期']],
  ]);
  await inbox.switchTab(event({ key: 'accepted' }));
  assert.deepEqual(shown(), [[3, '请于 05-11 23:59 前答复', []]]);
  await inbox.switchTab(event({ key: 'forwarded' }));
  assert.deepEqual(shown(), [[4, '请于 05-11 23:59 前答复', ['已超期']]]);
  // The row's template shows the deadline beside the flags.
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/inbox/inbox.wxml'), 'utf8');
  assert.match(wxml, /<view class="muted due" wx:if="\{\{item\.dueText\}\}">\{\{item\.dueText\}\}<\/view>/);
});

test('inbox: 按期限 and the search by number or words ask the server; a search spans every tab until a tab or 清除', async () => {
  const queries = [];
  let slow = null;
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': (req) => {
      queries.push(Object.assign({}, req.query));
      if (req.query.q === '路灯' && slow) return slow.then(() => json(200, { items: [suggestion({ id: 3 })], total: 1, page: 1, per_page: 20 }));
      const found = { '011': [11], 'MSB-20260501-000012': [12] }[req.query.q];
      const ids = req.query.q ? found || [] : req.query.sort === 'due' ? [2, 1] : [1, 2];
      const items = ids.map((id) => suggestion({ id, number: 'MSB-20260501-0000' + id }));
      return json(200, { items, total: items.length, page: 1, per_page: 20 });
    },
  }, { user: DEPUTY });
  const shown = (inbox) => inbox.data.items.map((i) => i.id);
  const inbox = await phone.open('pages/inbox/inbox');
  assert.deepEqual(inbox.data.sorts.map((s) => s.label), ['最新', '按期限']);
  assert.equal(inbox.data.sort, 'newest');
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'assigned', sort: 'newest', page: '1', per_page: '20' });

  await inbox.switchSort(event({ key: 'due' }));
  assert.deepEqual(shown(inbox), [2, 1]);
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'assigned', sort: 'due', page: '1', per_page: '20' });
  assert.equal(await inbox.switchSort(event({ key: 'due' })), null, 'the order shown: nothing asked');
  await inbox.switchTab(event({ key: 'accepted' }));
  assert.deepEqual([queries.at(-1).status, queries.at(-1).sort], ['accepted', 'due'], 'the order stays across tabs');
  const asked = queries.length;

  // The last digits a citizen reads out, typed with spaces around: every one of the deputy's items, whatever its tab.
  inbox.onKeywordInput(event({}, ' 011 '));
  await inbox.search();
  assert.deepEqual(queries.at(-1), { scope: 'assigned', sort: 'due', q: '011', page: '1', per_page: '20' });
  assert.deepEqual(shown(inbox), [11]);
  assert.deepEqual([inbox.data.keyword, inbox.data.searched], ['011', '011']);
  inbox.onKeywordInput(event({}, 'MSB-20260501-000012'));
  await inbox.search();
  assert.deepEqual(shown(inbox), [12]);
  inbox.onKeywordInput(event({}, '井盖'));
  await inbox.search();
  assert.deepEqual([shown(inbox), inbox.data.loading, inbox.data.error], [[], false, ''], 'nothing found');
  assert.equal(queries.length, asked + 3);

  // A tab, even the one chosen before, ends the search; so does 清除.
  await inbox.switchTab(event({ key: 'accepted' }));
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'accepted', sort: 'due', page: '1', per_page: '20' });
  assert.deepEqual([inbox.data.keyword, inbox.data.searched], ['', '']);
  inbox.onKeywordInput(event({}, '011'));
  await inbox.search();
  await inbox.clearSearch();
  assert.deepEqual(queries.at(-1), { scope: 'assigned', status: 'accepted', sort: 'due', page: '1', per_page: '20' });
  assert.deepEqual(shown(inbox), [2, 1]);

  // Only the latest search shows: a slow answer to an earlier one is dropped.
  let answer;
  slow = new Promise((resolve) => { answer = resolve; });
  inbox.onKeywordInput(event({}, '路灯'));
  const first = inbox.search();
  await until(() => queries.at(-1).q === '路灯', 'the first search to be out');
  inbox.onKeywordInput(event({}, '011'));
  await inbox.search();
  answer();
  await first;
  assert.deepEqual([shown(inbox), inbox.data.searched], [[11], '011']);
});

test('inbox: switching tabs while the first tab is still loading shows the second tab, not the late first answer', async () => {
  let releaseFirst;
  const firstAnswered = new Promise((resolve) => { releaseFirst = resolve; });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': (req) => {
      if (req.query.status === 'assigned') {
        return firstAnswered.then(() => json(200, { items: [suggestion({ id: 1 })], total: 1, page: 1, per_page: 20 }));
      }
      return json(200, { items: [suggestion({ id: 2, status: 'accepted', status_label: '办理中' })], total: 1, page: 1, per_page: 20 });
    },
  }, { user: DEPUTY });
  const inbox = phone.instance('pages/inbox/inbox');
  const first = inbox.onShow();
  await until(() => asked(wx, /status=assigned/) === 1, 'the 待接单 request to be out');
  await inbox.switchTab(event({ key: 'accepted' }));
  assert.deepEqual(inbox.data.items.map((i) => i.id), [2]);
  releaseFirst();
  await first;
  assert.equal(inbox.data.tab, 'accepted');
  assert.deepEqual(inbox.data.items.map((i) => i.id), [2], 'the late 待接单 answer is dropped');
  assert.equal(inbox.data.loading, false);
});

test('inbox: items leaving 待接单 while the deputy scrolls (withdrawn, reassigned) hide none of those after them', async () => {
  // [items listed, pages scrolled before, items that leave meanwhile]
  const cases = [
    [45, 1, [44, 40, 33, 30]],
    [80, 2, Array.from({ length: 30 }, (_, i) => 79 - 2 * i)], // more than a page's worth: two pages slide back
  ];
  for (const [count, scrolled, leaving] of cases) {
    let ids = Array.from({ length: count }, (_, i) => count - i); // newest first, as the server lists them
    const { phone } = unitPhone({
      'GET /api/v1/suggestions': pagedSuggestions(() => ids),
    }, { user: DEPUTY });
    const inbox = await phone.open('pages/inbox/inbox');
    for (let i = 1; i < scrolled; i += 1) await inbox.onReachBottom();
    assert.equal(inbox.data.items.length, 20 * scrolled);
    // Meanwhile some of the pages shown leave the tab: the rows after them slide back.
    ids = ids.filter((id) => leaving.indexOf(id) < 0);
    while (inbox.data.hasMore) await inbox.onReachBottom();
    const shown = inbox.data.items.map((i) => i.id);
    assert.deepEqual(ids.filter((id) => shown.indexOf(id) < 0), [], 'every item still waiting is listed');
    assert.deepEqual(shown.filter((id) => leaving.indexOf(id) < 0), ids, 'each row once, newest first');
    assert.equal(inbox.data.loading, false);
    await inbox.onPullDownRefresh();
    assert.deepEqual(inbox.data.items.map((i) => i.id), ids.slice(0, 20), 'pulling down shows the tab as it is now');
  }
});

test('inbox, activities and points ask a citizen to bind first', async () => {
  const { phone, wx } = unitPhone({});
  for (const route of ['pages/inbox/inbox', 'pages/activities/activities', 'pages/points/points', 'pages/archive/archive']) {
    const page = await phone.open(route);
    assert.equal(page.data.isDeputy, false, route);
    assert.equal(page.data.loading, false, route);
  }
  assert.deepEqual(wx.requests.map((r) => r.url.replace(/^.*\/api\/v1/, '')), ['/auth/wechat'], 'nothing else asked');
});

test('a login that fails (no network) says so on the deputy\'s pages, not 请先绑定代表身份', async () => {
  let online = false;
  const { phone, wx } = unitPhone({
    'POST /api/v1/auth/wechat': (req) => {
      if (!online) throw new Error('no network');
      return json(200, { token: 'token-' + req.data.code, user: DEPUTY });
    },
    'GET /api/v1/suggestions': () => json(200, { items: [suggestion()], total: 1, page: 1, per_page: 20 }),
  });
  for (const route of ['pages/inbox/inbox', 'pages/activities/activities', 'pages/points/points', 'pages/archive/archive']) {
    const page = await phone.open(route);
    assert.equal(page.data.isDeputy, true, route);
    assert.equal(page.data.loading, false, route);
    assert.equal(page.data.error, '网络连接失败，请检查网络后重试。', route);
  }
  const handling = await phone.open('pages/appointments/appointments', { scope: 'handling' });
  assert.equal(handling.data.isDeputy, true);
  assert.equal(handling.data.error, '网络连接失败，请检查网络后重试。');
  const checkin = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  assert.equal(checkin.data.status, 'failed');
  assert.equal(checkin.data.message, '网络连接失败，请检查网络后重试。');

  online = true; // 重试 once the network is back
  const inbox = phone.stack.find((p) => p.route === 'pages/inbox/inbox');
  await inbox.reload();
  assert.equal(inbox.data.error, '');
  assert.deepEqual(inbox.data.items.map((i) => i.id), [11]);
  assert.ok(wx.calls.login.length >= 2);
});

test('a double tap on 接单 (inbox, activity list, activity page) sends one request and shows no refusal', async () => {
  const activity = { id: 5, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
    starts_at: '2026-05-01T01:00:00+00:00', ends_at: '2026-05-01T04:00:00+00:00', my_status: 'invited' };
  const posts = { suggestion: 0, activity: 0 };
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: posts.suggestion ? [] : [suggestion()], total: posts.suggestion ? 0 : 1, page: 1, per_page: 20 }),
    'POST /api/v1/suggestions/11/accept': () => {
      posts.suggestion += 1;
      return posts.suggestion > 1 ? error(409, 'invalid_transition', '当前状态为“办理中”，不能接单。') : json(200, suggestion({ status: 'accepted' }));
    },
    'GET /api/v1/activities': () => json(200, { items: [activity], total: 1, page: 1, per_page: 20 }),
    'GET /api/v1/activities/5': () => json(200, activity),
    'POST /api/v1/activities/5/accept': () => {
      posts.activity += 1;
      return posts.activity > 1 ? error(409, 'invalid_transition', '您已接单或已签到。') : json(200, Object.assign({}, activity, { my_status: 'accepted' }));
    },
  }, { user: DEPUTY });
  const inbox = await phone.open('pages/inbox/inbox');
  await Promise.all([inbox.accept(event({ id: 11 })), inbox.accept(event({ id: 11 }))]);
  assert.equal(posts.suggestion, 1);
  const list = await phone.open('pages/activities/activities');
  await Promise.all([list.accept(event({ id: 5 })), list.accept(event({ id: 5 }))]);
  assert.equal(posts.activity, 1);
  assert.equal(list.data.items[0].my_status, 'accepted');
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  posts.activity = 0;
  await Promise.all([detail.accept(), detail.accept()]);
  assert.equal(posts.activity, 1);
  assert.equal(detail.data.activity.my_status, 'accepted');
  assert.deepEqual(wx.toasts, ['已接单', '已接单', '已接单']);
  assert.deepEqual(wx.modals, []);
});

test('item and activity pages: a refresh answering after a step shows the step\'s result, not the state before it', async () => {
  let item = staffView({ status: 'assigned' });
  let activity = { id: 5, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
    starts_at: '2030-05-01T01:00:00+00:00', ends_at: '2030-05-01T04:00:00+00:00', my_status: 'invited', participants: [] };
  let hold = null; // while set, reads answer with what was true when asked, once it is released
  const read = (current) => {
    const answer = json(200, current);
    return hold ? hold.then(() => answer) : answer;
  };
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => read(item),
    'POST /api/v1/suggestions/11/accept': () => { item = Object.assign({}, item, { status: 'accepted', status_label: '办理中' }); return json(200, item); },
    'GET /api/v1/activities/5': () => read(activity),
    'POST /api/v1/activities/5/accept': () => { activity = Object.assign({}, activity, { my_status: 'accepted' }); return json(200, activity); },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  const act = await phone.open('pages/activity/detail', { id: '5' });
  let release;
  hold = new Promise((resolve) => { release = resolve; });
  const refreshing = [detail.onPullDownRefresh(), act.onShow()]; // pulled down; shown again
  await until(() => asked(wx, /\/suggestions\/11$/) === 2 && asked(wx, /\/activities\/5$/) === 2, 'the refreshes to be asked');
  await detail.accept();
  await act.accept();
  assert.equal(detail.data.item.status, 'accepted');
  assert.equal(act.data.activity.my_status, 'accepted');
  release();
  await Promise.all(refreshing);
  assert.equal(detail.data.item.status, 'accepted', 'the item as 接单 left it');
  assert.equal(act.data.activity.my_status, 'accepted', 'the activity as 接单 left it');
  assert.equal(detail.data.loading, false);
  assert.equal(act.data.loading, false);
  hold = null;
  await detail.onPullDownRefresh();
  assert.equal(detail.data.item.status, 'accepted', 'a later refresh shows the item again');
});

function handlingRoutes(status) {
  const steps = [];
  let current = staffView({ status });
  const step = (action, to) => (req) => {
    steps.push([action, req.data]);
    current = Object.assign({}, current, { status: to || current.status });
    return json(200, current);
  };
  return {
    steps,
    routes: {
      'GET /api/v1/suggestions/11': () => json(200, current),
      'POST /api/v1/suggestions/11/accept': step('accept', 'accepted'),
      'POST /api/v1/suggestions/11/return': step('return', 'pending'),
      'POST /api/v1/suggestions/11/progress': step('progress'),
      'POST /api/v1/suggestions/11/forward': step('forward', 'forwarded'),
      'POST /api/v1/suggestions/11/feedback': step('feedback', 'accepted'),
      'POST /api/v1/suggestions/11/reply': step('reply', 'replied'),
    },
  };
}

test('handling: accept, progress, forward (department needed, work order number), feedback (satisfaction needed), reply', async () => {
  const { routes, steps } = handlingRoutes('assigned');
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(page.data.isHandler, true);
  assert.equal(page.data.canRate, false);
  await Promise.all([page.accept(), page.accept()]); // a double tap: asked once, accepted once
  assert.equal(page.data.item.status, 'accepted');
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-supervised']]);
  assert.equal(steps.filter(([action]) => action === 'accept').length, 1);

  await page.addProgress();
  assert.equal(wx.toasts.at(-1), '请填写办理进展');
  page.onFormInput(event({ field: 'note' }, '已到现场查看'));
  await page.addProgress();
  assert.equal(page.data.form.note, '', 'cleared after the step');

  page.onFormInput(event({ field: 'note' }, '请住建局维修'));
  await page.forward();
  assert.equal(wx.toasts.at(-1), '请填写承办部门');
  page.onFormInput(event({ field: 'department' }, '市住建局'));
  page.onFormInput(event({ field: 'workOrderNo' }, '  ZJ-2026-0501  '));
  await page.forward();
  assert.equal(page.data.item.status, 'forwarded');
  assert.equal(page.data.form.workOrderNo, '', 'cleared after the step');

  page.onFormInput(event({ field: 'note' }, '住建局：本周内修复'));
  assert.equal(await page.feedback(), null, 'the deputy\'s satisfaction is asked for');
  assert.equal(wx.toasts.at(-1), '请选择对部门办理结果的满意度');
  page.onDepartmentSatisfactionChange(event({}, 'basically_satisfied'));
  await page.feedback();
  assert.equal(page.data.item.status, 'accepted');
  assert.equal(page.data.form.departmentSatisfaction, '', 'cleared after the step');
  page.onFormInput(event({ field: 'reply' }, '已修复，感谢反映'));
  assert.equal(await page.reply(), null, 'the outcome (落实) is asked for');
  assert.equal(wx.toasts.at(-1), '请选择办理结果');
  page.onOutcomeChange(event({}, 'true'));
  await page.reply();
  assert.equal(page.data.item.status, 'replied');
  assert.equal(page.data.form.implemented, '', 'cleared after the step');
  assert.deepEqual(steps, [
    ['accept', {}],
    ['progress', { note: '已到现场查看' }],
    ['forward', { target: 'department', note: '请住建局维修', department: '市住建局', work_order_no: 'ZJ-2026-0501' }],
    ['feedback', { note: '住建局：本周内修复', department_satisfaction: 'basically_satisfied' }],
    ['reply', { content: '已修复，感谢反映', implemented: true }],
  ]);
});

test('handling: 答复 asks, in the tap and before answering, for the notice the server sends the deputy on 不满意 (reopened)', async () => {
  const { routes, steps } = handlingRoutes('accepted');
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  page.onFormInput(event({ field: 'reply' }, '已修复'));
  page.onOutcomeChange(event({}, 'true'));
  wx.subscribeAnswer = 'reject'; // a refusal does not stop the answer
  await Promise.all([page.reply(), page.reply()]); // a double tap: asked once, answered once
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-reopened']]);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /suggestions/11/reply'), order.join(', '));
  assert.deepEqual(steps, [['reply', { content: '已修复', implemented: true }]]);
  assert.equal(page.data.item.status, 'replied');
});

test('handling: the deputy sees the number the citizen left (and can call it), the place, the choices and the deadline', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, staffView({
      status: 'assigned', anonymous: true, public_consent: true, citizen: null, contact_phone: '13912345678',
      location: { lat: 27.560123, lng: 109.998456, address: '' }, accept_due_at: '2026-05-02T01:30:00+00:00',
    })),
  }, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(page.data.isHandler, true);
  assert.equal(page.data.item.own, false);
  assert.equal(page.data.item.choicesText, '匿名提交 · 同意办结后公开');
  assert.equal(page.data.item.placeText, '经纬度 27.56012, 109.99846');
  assert.equal(page.data.dueText, '请于 2026-05-02 09:30 前接单');
  page.call();
  assert.deepEqual(wx.calls.makePhoneCall.map((c) => c.phoneNumber), ['13912345678']);
  page.openMap();
  assert.deepEqual([wx.calls.openLocation[0].latitude, wx.calls.openLocation[0].longitude], [27.560123, 109.998456]);
});

test('handling: after 退回 the deputy is not offered the citizen\'s 撤回 or rating', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, staffView({ status: 'accepted', status_label: '办理中' })),
    // Returned, the item is no longer the deputy's: the server answers with what anyone else may see.
    'POST /api/v1/suggestions/11/return': () => json(200, followerView({ status: 'pending', status_label: '待分派', deputy: null })),
  }, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(page.data.isHandler, true);
  assert.equal(page.data.canWithdraw, false);
  page.onFormInput(event({ field: 'reason' }, '不属于本人联系范围'));
  await page.returnItem();
  assert.equal(page.data.item.status, 'pending');
  assert.equal(page.data.isHandler, false);
  assert.equal(page.data.canWithdraw, false);
  assert.equal(page.data.canRate, false);
});

test('handling: return needs a reason; forwarding to 12345 needs no department; a refused step shows why', async () => {
  const { routes, steps } = handlingRoutes('accepted');
  routes['POST /api/v1/suggestions/11/reply'] = () => error(409, 'invalid_transition', '当前状态不能答复。');
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  await page.returnItem();
  assert.equal(wx.toasts.at(-1), '请填写退回理由');
  page.onFormInput(event({ field: 'reply' }, '答复'));
  page.onOutcomeChange(event({}, 'false'));
  assert.equal(await page.reply(), null);
  assert.equal(wx.toasts.at(-1), '当前状态不能答复。');
  assert.equal(page.data.busy, false);
  page.onForwardTargetChange(event({}, '1'));
  page.onFormInput(event({ field: 'note' }, '转 12345'));
  await page.forward();
  page.onFormInput(event({ field: 'reason' }, '不属于本人联系范围'));
  await page.returnItem();
  assert.deepEqual(steps, [
    ['forward', { target: 'hotline_12345', note: '转 12345' }],
    ['return', { reason: '不属于本人联系范围' }],
  ]);
});

test('handling: a step the server refuses as invalid says which field and why, once, and keeps what was typed', async () => {
  const { routes, steps } = handlingRoutes('accepted');
  routes['POST /api/v1/suggestions/11/forward'] = () => error(422, 'validation_failed', '提交的内容有误，请检查后重试。', {
    work_order_no: ['不能包含换行、制表符等控制字符或不可见字符。'],
  });
  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  page.onForwardTargetChange(event({}, '1'));
  page.onFormInput(event({ field: 'note' }, '转 12345'));
  page.onFormInput(event({ field: 'workOrderNo' }, 'RX2026\u200b0501')); // pasted with an invisible character
  assert.equal(await page.forward(), null);
  assert.deepEqual(wx.modals, ['工单编号：不能包含换行、制表符等控制字符或不可见字符。']);
  assert.deepEqual(wx.toasts, []);
  assert.equal(page.data.form.workOrderNo, 'RX2026\u200b0501', 'kept, to be corrected');
  assert.equal(page.data.busy, false);
  assert.deepEqual(steps, []);
});

test('handling: a dissatisfied feedback says the item is supervised; the work orders show with their numbers', async () => {
  const orders = [
    { target: 'hotline_12345', department: '12345 热线人大代表通道', work_order_no: 'RX20260501001',
      forwarded_at: '2026-05-01T02:00:00+00:00', feedback_at: '2026-05-02T06:30:00+00:00',
      satisfaction: 'dissatisfied', satisfaction_label: '不满意' },
  ];
  const bodies = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, staffView({
      status: 'forwarded', status_label: '转办中', forward_department: '12345 热线人大代表通道',
      work_order_no: 'RX20260501001', work_orders: [Object.assign({}, orders[0], { feedback_at: null, satisfaction: null, satisfaction_label: null })],
    })),
    'POST /api/v1/suggestions/11/feedback': (req) => {
      bodies.push(req.data);
      return json(200, staffView({
        status: 'accepted', status_label: '办理中', supervised: true, department_satisfaction: 'dissatisfied',
        department_satisfaction_label: '不满意', work_order_no: 'RX20260501001', work_orders: orders,
      }));
    },
  }, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.deepEqual(page.data.item.workOrders.map((w) => [w.department, w.work_order_no, w.forwardedText, w.feedbackText]),
    [['12345 热线人大代表通道', 'RX20260501001', '2026-05-01 10:00', '']]);
  page.onFormInput(event({ field: 'note' }, '热线回复：已转交供电公司，未说明时间'));
  page.onDepartmentSatisfactionChange(event({}, 'dissatisfied'));
  await page.feedback();
  assert.deepEqual(bodies, [{ note: '热线回复：已转交供电公司，未说明时间', department_satisfaction: 'dissatisfied' }]);
  assert.deepEqual(wx.toasts, ['已转入督办']);
  assert.deepEqual(page.data.item.flags, ['督办']);
  assert.equal(page.data.item.status, 'accepted', 'back to the deputy, who may forward it again');
  const [order] = page.data.item.workOrders;
  assert.deepEqual([order.feedbackText, order.satisfaction_label], ['2026-05-02 14:30', '不满意']);
});

test('activities: accept, and decline with a reason asked in a modal', async () => {
  const posted = [];
  const activity = (overrides) => Object.assign({
    id: 5, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
    starts_at: '2026-05-01T01:00:00+00:00', ends_at: '2026-05-01T04:00:00+00:00', my_status: 'invited',
    station: { id: 1, name: '城北联络站' },
  }, overrides);
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => json(200, { items: [activity()], total: 1, page: 1, per_page: 20, _q: req.query }),
    'POST /api/v1/activities/5/accept': () => { posted.push(['accept']); return json(200, activity({ my_status: 'accepted' })); },
    'POST /api/v1/activities/5/decline': (req) => { posted.push(['decline', req.data]); return json(200, activity({ my_status: 'declined' })); },
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities');
  assert.equal(list.data.items[0].startsText, '2026-05-01 09:00');
  assert.equal(list.data.items[0].myStatusLabel, '待接单');
  assert.match(wx.requests.at(-1).url, /scope=mine/);
  await list.accept(event({ id: 5 }));
  assert.equal(list.data.items[0].myStatusLabel, '已接单');
  // 接单 asks, in the tap and before the request, for the reminder, a cancellation and a change of time or place.
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds,
    ['tmpl-activity-reminder', 'tmpl-activity-cancelled', 'tmpl-activity-changed']);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /activities/5/accept'), order.join(', '));

  wx.queue.modal.push({ confirm: false });
  await list.decline(event({ id: 5 }));
  wx.queue.modal.push({ confirm: true, content: '  ' });
  await list.decline(event({ id: 5 }));
  assert.equal(wx.toasts.at(-1), '请填写请假理由');
  wx.queue.modal.push({ confirm: true, content: '外出开会' });
  await list.decline(event({ id: 5 }));
  assert.equal(list.data.items[0].myStatusLabel, '已请假');
  assert.deepEqual(posted, [['accept'], ['decline', { reason: '外出开会' }]]);
  assert.equal(wx.calls.showModal[0].editable, true);
});

test('activities: 请假 is offered only before the start, which the server requires; 接单 until the end; 签到 stays', async () => {
  const hour = 3600 * 1000;
  const at = (ms) => new Date(ms).toISOString();
  const activity = (id, startsIn, myStatus) => ({
    id, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
    starts_at: at(Date.now() + startsIn), ends_at: at(Date.now() + startsIn + 3 * hour), my_status: myStatus, participants: [],
  });
  const items = [activity(5, 2 * hour, 'invited'), activity(6, -hour, 'invited'), activity(7, -hour, 'accepted'),
    activity(8, -hour, 'declined'), activity(9, -27 * hour, 'declined')];
  const { phone } = unitPhone({
    'GET /api/v1/activities': () => json(200, { items, total: items.length, page: 1, per_page: 20 }),
    'GET /api/v1/activities/6': () => json(200, items[1]),
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities');
  assert.deepEqual(list.data.items.map((a) => [a.id, a.canAccept, a.canDecline, a.canCheckin]), [
    [5, true, true, true],
    [6, true, false, true], // begun: 请假 would be refused (活动已经开始，不能再请假)
    [7, false, false, true],
    [8, true, false, false],
    [9, false, false, false], // ended yesterday: 接单 would be refused (活动已经结束，不能再接单), the leave stands
  ]);
  const detail = await phone.open('pages/activity/detail', { id: '6' });
  assert.equal(detail.data.activity.canDecline, false);
  assert.equal(detail.data.activity.canCheckin, true);
});

test('activity page: a large activity names some of its deputies and says how many are invited in all', async () => {
  const entry = (id, name, status, label) => ({ deputy: { id, name, level: 'county' }, status, status_label: label, checked_in_at: null });
  const base = { id: 5, title: '全区代表列席人代会', type: 'meeting', type_label: '列席会议', status: 'published', status_label: '已发单',
    starts_at: '2030-05-01T01:00:00+00:00', ends_at: '2030-05-01T04:00:00+00:00', my_status: 'invited' };
  const counts = { invited: 600, accepted: 0, declined: 0, checked_in: 400, absent: 0 };
  const large = Object.assign({}, base, { participants: [entry(1, '代表0001', 'checked_in', '已签到'), entry(900, '代表0900', 'invited', '待接单')],
    participants_total: 1000, participant_counts: counts });
  const small = Object.assign({}, base, { id: 6, participants: [entry(1, '张伟', 'invited', '待接单')], participants_total: 1,
    participant_counts: Object.assign({}, counts, { invited: 1, checked_in: 0 }) });
  const { phone } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, large),
    'GET /api/v1/activities/6': () => json(200, small),
  }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  assert.deepEqual(detail.data.activity.participants.map((p) => p.deputy.name), ['代表0001', '代表0900']);
  assert.equal(detail.data.activity.participantsNote, '共 1000 位代表受邀，已签到 400 位；此处列出其中 2 位。');
  const whole = await phone.open('pages/activity/detail', { id: '6' });
  assert.equal(whole.data.activity.participantsNote, '', 'everyone is named: nothing to add');
});

test('check-in: scans, sends the location, and keeps the key for a retry of the same code', async () => {
  const posts = [];
  let fail = true;
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': (req) => {
      posts.push(req);
      if (fail) { fail = false; throw new Error('timeout'); }
      return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
    },
  }, { user: DEPUTY, location: { latitude: 27.56, longitude: 109.99 } });
  const page = await phone.open('pages/checkin/checkin');
  assert.equal(page.data.status, 'idle');
  assert.equal(await page.scan(), null, 'scan cancelled');
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  await page.scan();
  assert.equal(page.data.status, 'failed');
  assert.equal(page.data.message, '网络连接失败，请检查网络后重试。');
  await page.retry();
  assert.equal(page.data.status, 'done');
  assert.deepEqual(page.data.result, { activityId: 5, title: '接待选民', time: '2026-05-01 09:10' });
  assert.deepEqual(posts.map((p) => p.data), [
    { qr_code: 'sta1', lat: 27.56, lng: 109.99 }, { qr_code: 'sta1', lat: 27.56, lng: 109.99 },
  ]);
  assert.equal(posts[0].header['Idempotency-Key'], posts[1].header['Idempotency-Key']);
  assert.deepEqual(wx.calls.scanCode[0].scanType, ['qrCode', 'wxCode']);
  page.openActivity();
  assert.equal(wx.lastNavigation().url, '/pages/activity/detail?id=5');
});

test('check-in: a new scan of the same station code is a new check-in (new key); only 重试 reuses the key', async () => {
  const seen = {};
  const posts = [];
  const { phone, wx } = unitPhone({
    // The server replays the first answer for a key it has seen, as Idempotency-Key promises.
    'POST /api/v1/checkins': (req) => {
      const key = req.header['Idempotency-Key'];
      posts.push(key);
      if (!seen[key]) {
        const n = Object.keys(seen).length;
        seen[key] = json(201, { activity_id: 5 + n, activity_title: n ? '下午：代表小组活动' : '上午：接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
      }
      return seen[key];
    },
  }, { user: DEPUTY });
  const page = await phone.open('pages/checkin/checkin');
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  await page.scan();
  assert.equal(page.data.result.title, '上午：接待选民');
  // The afternoon, the page still open: the deputy scans the same station's code for the next activity.
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  await page.scan();
  assert.equal(page.data.result.title, '下午：代表小组活动');
  assert.notEqual(posts[0], posts[1]);
  // A double tap while a check-in is on its way sends it once.
  await Promise.all([page.retry(), page.retry()]);
  assert.equal(posts.length, 3);
  assert.equal(posts[2], posts[1], '重试 keeps the key');
});

test('activity page: back from 扫码签到 it shows 已签到, not the 已接单 it was opened with', async () => {
  let mine = 'accepted';
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, {
      id: 5, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
      starts_at: '2026-05-01T01:00:00+00:00', ends_at: '2026-05-01T04:00:00+00:00', my_status: mine, participants: [],
    }),
    'POST /api/v1/checkins': () => { mine = 'checked_in'; return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' }); },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  assert.equal(detail.data.activity.myStatusLabel, '已接单');
  assert.equal(wx.requests.filter((r) => /activities\/5$/.test(r.url)).length, 1, 'opening loads it once');
  detail.checkin();
  const checkin = await phone.follow();
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  await checkin.scan();
  assert.equal(checkin.data.status, 'done');
  checkin.openActivity();
  assert.equal(wx.calls.navigateBack.length, 1, '查看活动 goes back to the page it came from');
  assert.equal(wx.calls.redirectTo, undefined);
  await detail.onShow(); // shown again after navigateBack
  assert.equal(detail.data.activity.myStatusLabel, '已签到');
});

test('check-in: a station code without the location is refused; 去设置 allows it and the code goes again with it', async () => {
  const posts = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': (req) => {
      posts.push(req);
      if (req.data.lat === undefined) return refusal('请开启手机定位后重新扫码签到（签到需确认您在活动现场）。', 'location_required');
      return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
    },
  }, { user: DEPUTY, location: null });
  const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  assert.equal(page.data.status, 'failed');
  assert.equal(page.data.message, '请开启手机定位后重新扫码签到（签到需确认您在活动现场）。');
  assert.equal(page.data.canOpenSetting, true);
  assert.ok(!wx.toasts.concat(wx.modals).some((m) => /仅按时间/.test(m)), 'no promise of a check-in by time alone');
  assert.deepEqual(posts.map((p) => p.data), [{ qr_code: 'sta1' }]);

  // Back from the settings without allowing it: nothing sent.
  await page.openSettings();
  assert.equal(wx.calls.openSetting.length, 1);
  assert.equal(posts.length, 1);
  // Allowed there: the same code, with where the phone is.
  wx.authSetting = { 'scope.userLocation': true };
  wx.location = { latitude: 27.56, longitude: 109.99 };
  await page.openSettings();
  assert.equal(page.data.status, 'done');
  assert.equal(page.data.canOpenSetting, false);
  assert.deepEqual(posts[1].data, { qr_code: 'sta1', lat: 27.56, lng: 109.99 });
});

test('check-in: with the location refused, 去设置 is offered only when the server asks for it, not for other refusals', async () => {
  const refusals = [
    ['您不在本次活动的邀请名单中，不能签到。', 'not_invited'],
    ['活动“接待选民”尚未开始签到，请于 05月01日 08:30 之后扫码。', 'too_early'],
    ['您已请假，如需参加请先取消请假（重新接单）后再签到。', 'declined'],
    ['活动签到时间已过，不能再签到。', 'too_late'],
    ['请开启手机定位后重新扫码签到（签到需确认您在活动现场）。', 'location_required'],
  ];
  const answers = refusals.slice();
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': () => refusal(...answers.shift()),
  }, { user: DEPUTY, location: null });
  wx.locationError = 'getLocation:fail auth deny';
  const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  const offered = [[page.data.message, page.data.canOpenSetting]];
  for (let i = 1; i < refusals.length; i += 1) {
    await page.retry();
    offered.push([page.data.message, page.data.canOpenSetting]);
  }
  assert.deepEqual(offered, refusals.map(([message, reason]) => [message, reason === 'location_required']));
});

test('check-in: the phone\'s location off is no refusal to change in the settings: no 去设置, 重试 locates again', async () => {
  const posts = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': (req) => {
      posts.push(req);
      if (req.data.lat === undefined) return refusal('请开启手机定位后重新扫码签到（签到需确认您在活动现场）。', 'location_required');
      return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
    },
  }, { user: DEPUTY, location: null });
  wx.locationError = 'getLocation:fail system permission denied';
  const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  assert.equal(page.data.message, '请开启手机定位后重新扫码签到（签到需确认您在活动现场）。');
  assert.equal(page.data.canOpenSetting, false);
  assert.equal(page.data.canRetry, true);
  wx.location = { latitude: 27.56, longitude: 109.99 };
  await page.retry();
  assert.equal(page.data.status, 'done');
  assert.deepEqual(posts[1].data, { qr_code: 'sta1', lat: 27.56, lng: 109.99 });
});

test('check-in: an activity\'s screen code proves presence: it checks in without the location, nothing said about it', async () => {
  const ROTATING = 'a' + 'b'.repeat(26);
  const posts = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': (req) => {
      posts.push(req);
      return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
    },
  }, { user: DEPUTY, location: null });
  const page = await phone.open('pages/checkin/checkin', { code: ROTATING });
  assert.equal(page.data.status, 'done');
  assert.deepEqual(posts.map((p) => p.data), [{ qr_code: ROTATING }]);
  assert.deepEqual(wx.toasts.concat(wx.modals), []);
  assert.equal(page.data.canOpenSetting, false);
});

test('check-in: 重试 after a lost answer sends what was sent, so its key replays the check-in made', async () => {
  const posts = [];
  const seen = {};
  let lose = true;
  const here = [{ latitude: 27.56, longitude: 109.99 }, { latitude: 27.5601, longitude: 109.9902 }];
  const { phone } = unitPhone({
    'POST /api/v1/checkins': (req) => {
      posts.push(req);
      const key = req.header['Idempotency-Key'];
      const body = JSON.stringify(req.data);
      if (seen[key] && seen[key] !== body) return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
      seen[key] = body;
      if (lose) { lose = false; throw new Error('timeout'); }
      return json(201, { activity_id: 5, activity_title: '接待选民', checked_in_at: '2026-05-01T01:10:00+00:00' });
    },
  }, { user: DEPUTY, location: () => here.shift() });
  const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  assert.equal(page.data.message, '网络连接失败，请检查网络后重试。');
  await page.retry(); // the phone has moved a few metres meanwhile: the first position goes again
  assert.equal(page.data.status, 'done');
  assert.deepEqual(posts.map((p) => p.data), [{ qr_code: 'sta1', lat: 27.56, lng: 109.99 }, { qr_code: 'sta1', lat: 27.56, lng: 109.99 }]);
});

test('check-in: a refusal no later scan changes (closed, cancelled, checked in elsewhere) offers no 重试', async () => {
  const refusals = [
    ['活动已结单，不能再签到。', 'ended'],
    ['活动已取消，不能签到。', 'cancelled'],
    ['您已在“视察A”签到，活动时间重叠，不能同时签到另一项活动。', 'already_checked_in_elsewhere'],
    ['活动“接待选民”尚未开始签到，请于 05月01日 08:30 之后扫码。', 'too_early'],
  ];
  const answers = refusals.slice();
  const { phone } = unitPhone({
    'POST /api/v1/checkins': () => refusal(...answers.shift()),
  }, { user: DEPUTY });
  const offered = [];
  for (let i = 0; i < refusals.length; i += 1) {
    const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
    offered.push([page.data.status, page.data.message, page.data.canRetry]);
  }
  assert.deepEqual(offered, refusals.map(([message, reason]) => ['failed', message, reason === 'too_early']));
});

test('check-in: a 409 from the server is shown on the page', async () => {
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': () => refusal('您距离活动地点约 2300 米，超出 500 米的签到范围，请到现场后再扫码。', 'too_far'),
  }, { user: DEPUTY });
  const page = await phone.open('pages/checkin/checkin', { code: 'sta1' });
  assert.equal(page.data.status, 'failed');
  assert.match(page.data.message, /超出 500 米/);
  assert.match(wx.modals[0], /超出 500 米/);
});

test('check-in: an expired activity code says why and asks for a new scan, with no 查看联络站 leading to an empty card', async () => {
  const ROTATING = 'a' + 'b'.repeat(26);
  const posts = [];
  const { phone, wx } = unitPhone({
    ['GET /api/v1/qr/' + ROTATING]: () => json(200, {
      kind: 'activity', code: ROTATING, url: '', actions: ['checkin'],
      target: { id: 5, title: '接待选民', type_label: '接待选民', station: { id: 1, name: '城北街道人大代表中心联络站' } },
    }),
    // Valid when the scan entry resolved it, expired by the time the check-in arrives.
    'POST /api/v1/checkins': (req) => {
      posts.push(req.data.qr_code);
      return refusal('签到码已过期，请扫描现场屏幕上的最新签到码。', 'code_expired');
    },
  }, { user: DEPUTY });
  await phone.open('pages/scan/scan', { scene: ROTATING });
  const checkin = await phone.follow();
  assert.equal(checkin.route, 'pages/checkin/checkin');
  assert.equal(checkin.data.status, 'failed');
  assert.equal(checkin.data.message, '签到码已过期，请扫描现场屏幕上的最新签到码。');
  // The same expired code cannot pass again, and it is no station's: 扫码签到 (a new scan) is the way on.
  assert.equal(checkin.data.canRetry, false);
  assert.equal(checkin.data.canViewStation, false);
  checkin.station();
  assert.equal(wx.lastNavigation().url, '/pages/checkin/checkin?code=' + ROTATING, 'no card opened');
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  await checkin.scan();
  assert.deepEqual(posts, [ROTATING, 'sta1']);
  // A station's code refused for now (too far, too early) may pass on 重试, and its card is there.
  assert.equal(checkin.data.canRetry, true);
  assert.equal(checkin.data.canViewStation, true);
  checkin.station();
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=sta1');
});

test('check-in: a deputy\'s code is no check-in code: no 重试, and no 查看联络站 opening that deputy\'s card', async () => {
  const { phone, wx } = unitPhone({
    'POST /api/v1/checkins': () => error(409, 'not_checkin_code', '这不是联络站或活动的签到码，请扫描联络站或活动现场的签到码。'),
  }, { user: DEPUTY });
  const checkin = await phone.open('pages/checkin/checkin');
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/dep1' });
  await checkin.scan();
  assert.equal(checkin.data.status, 'failed');
  assert.equal(checkin.data.message, '这不是联络站或活动的签到码，请扫描联络站或活动现场的签到码。');
  assert.equal(checkin.data.canRetry, false);
  assert.equal(checkin.data.canViewStation, false);
  checkin.station();
  assert.deepEqual(wx.navigations, [], 'no card opened');
});

test('points, archive and leaderboard', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7/points': (req) => json(200, {
      deputy_id: 7, year: Number(req.query.year), total: 8, rank: 2,
      entries: [{ points: 5, reason: '接待选民：接待日', rule_code: 'reception', at: '2026-05-01T04:00:00+00:00' },
        { points: 3, reason: '建议办结', rule_code: 'suggestion_closed', at: '2026-05-02T04:00:00+00:00' }],
    }),
    'GET /api/v1/deputies/7/archive': (req) => json(200, {
      deputy: { id: 7, name: '张伟', level_label: '市人大代表', region_name: '怀化市', group: '' }, year: Number(req.query.year),
      activities: [], suggestions: { received: 0, closed: 0, closed_on_time: 0, closed_implemented: 0, satisfaction: {} },
      points: { total: 0, rank: null, by_rule: [],
        grade: Number(req.query.year) === 2025 ? { label: '较好', min_points: 60, provisional: false }
          : { label: '差', min_points: null, provisional: true } },
    }),
    'GET /api/v1/leaderboard': (req) => json(200, [
      { rank: 1, deputy: { id: 3, name: '李建国', level: 'national' }, points: 10, _q: req.query },
      { rank: 2, deputy: { id: 7, name: '张伟', level: 'city' }, points: 8 },
    ]),
  }, { user: DEPUTY });
  const points = await phone.open('pages/points/points');
  assert.equal(points.data.total, 8);
  assert.equal(points.data.rank, 2);
  assert.equal(points.data.entries[0].atText, '2026-05-01 12:00');
  await points.onYearChange(event({}, '2025'));
  assert.equal(points.data.year, 2025);
  const archive = await phone.open('pages/archive/archive');
  assert.equal(archive.data.empty, true, 'an empty year says so');
  assert.equal(archive.data.gradeText, '差（按当前积分）', 'a year still running is graded by its points so far');
  await archive.onYearChange(event({}, '2025'));
  assert.equal(archive.data.gradeText, '较好', 'a year ended: its grade as it stands');
  const board = await phone.open('pages/leaderboard/leaderboard');
  assert.equal(board.data.rows.length, 2);
  assert.equal(board.data.myDeputyId, 7);
  await board.onLevelChange(event({}, '3'));
  const boards = phone.wx.requests.filter((r) => /\/leaderboard\?/.test(r.url));
  assert.equal(boards.at(-1).url.split('?')[1], 'level=city&limit=50', 'no region known: the board of all deputies');
});

test('archive: the 学习培训 attended and each closed 述职测评 with its ballots and rates', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7/archive': (req) => json(200, {
      deputy: { id: 7, name: '赵强', level_label: '县人大代表', region_name: '迎丰街道', group: '迎丰代表小组' },
      year: Number(req.query.year),
      activities: [{ type: 'report', label: '述职', invited: 0, accepted: 0, declined: 0, checked_in: 1, absent: 0, claimed: 0 },
        { type: 'training', label: '学习培训', invited: 0, accepted: 0, declined: 0, checked_in: 2, absent: 0, claimed: 0 }],
      trainings_attended: 2,
      suggestions: { received: 0, closed: 0, closed_on_time: 0, closed_implemented: 0, satisfaction: {} },
      report_polls: [
        { activity_id: 31, title: '迎丰街道人大代表向选民述职会', date: '2026-11-28', ballots: 5, satisfied: 3,
          basically_satisfied: 1, dissatisfied: 1, rated: 5, satisfaction_rate: 0.6, basic_satisfaction_rate: 0.8 },
        { activity_id: 32, title: '未收到选票的述职会', date: '2026-12-01', ballots: 0, satisfied: 0,
          basically_satisfied: 0, dissatisfied: 0, rated: 0, satisfaction_rate: null, basic_satisfaction_rate: null },
      ],
      points: { total: 7, rank: 3, by_rule: [{ rule_code: 'report', label: '向选民述职', count: 1, points: 5 }],
        grade: { label: '一般', min_points: 0, provisional: true } },
    }),
  }, { user: DEPUTY });
  const archive = await phone.open('pages/archive/archive');
  assert.equal(archive.data.error, '');
  assert.equal(archive.data.empty, false);
  assert.equal(archive.data.trainingsText, '本年度参加学习培训 2 次');
  assert.deepEqual(archive.data.reportPolls.map((p) => [p.title, p.date, p.ballots, p.satisfactionRateText, p.basicSatisfactionRateText]), [
    ['迎丰街道人大代表向选民述职会', '2026-11-28', 5, '60.0%', '80.0%'],
    ['未收到选票的述职会', '2026-12-01', 0, '—', '—'],
  ]);
  assert.deepEqual([archive.data.reportPolls[0].satisfied, archive.data.reportPolls[0].basically_satisfied,
    archive.data.reportPolls[0].dissatisfied], [3, 1, 1]);
});

test('archive: suggestions received in the year with their rates, apart from those closed in the year', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7/archive': (req) => json(200, {
      deputy: { id: 7, name: '张伟', level_label: '市人大代表', region_name: '怀化市', group: '' }, year: Number(req.query.year),
      activities: [],
      suggestions: { received: 3, rejected: 1, withdrawn: 0, should_be_closed: 2, received_closed: 1, closed_rate: 0.5,
        on_time_rate: 0.5, implementation_rate: 1, rated: 2, ratings: 3,
        satisfaction: { satisfied: 1, basically_satisfied: 0, dissatisfied: 1 }, satisfaction_rate: 0.5,
        basic_satisfaction_rate: 0.5, closed: 2, closed_on_time: 1, closed_implemented: 1 },
      points: { total: 3, rank: 1, by_rule: [], grade: { label: '一般', min_points: 0, provisional: true } },
    }),
  }, { user: DEPUTY });
  const archive = await phone.open('pages/archive/archive');
  assert.equal(archive.data.empty, false);
  assert.deepEqual(archive.data.suggestionTexts, {
    filed: '本年度收到 3 件（不予受理 1 件、群众撤回 0 件另计），应办结 2 件，已办结 1 件，办结率 50.0%，按时办结率 50.0%',
    rated: '已评价 2 件：满意 1 · 基本满意 0 · 不满意 1，满意率 50.0%，基本满意率 50.0%（评价 3 次）',
    closed: '本年度办结 2 件（按办结时间，与履职积分同一年度），按时办结 1 件，已落实 1 件',
  });
});

test('archive: an archive without the training count or polls (an older server) shows 0 次 and no 述职测评', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7/archive': (req) => json(200, {
      deputy: { id: 7, name: '张伟', level_label: '市人大代表', region_name: '怀化市', group: '' }, year: Number(req.query.year),
      activities: [{ type: 'reception', label: '接待选民', invited: 0, accepted: 0, declined: 0, checked_in: 1, absent: 0, claimed: 0 }],
      suggestions: { received: 0, closed: 0, closed_on_time: 0, closed_implemented: 0, satisfaction: {} },
      points: { total: 5, rank: 1, by_rule: [] },
    }),
  }, { user: DEPUTY });
  const archive = await phone.open('pages/archive/archive');
  assert.equal(archive.data.trainingsText, '本年度参加学习培训 0 次');
  assert.deepEqual(archive.data.reportPolls, []);
});

test('points, archive and leaderboard: a year or level chosen while the last one loads shows its own figures, not the late ones', async () => {
  // The year the page opens with answers slowly; the one chosen next answers at once.
  const opened = String(new Date().getFullYear());
  const chosen = String(Number(opened) - 1);
  let release;
  const slow = new Promise((resolve) => { release = resolve; });
  const later = (req, key, answer) => (req.query[key] === opened || req.query[key] === '' ? slow.then(() => answer) : answer);
  const { phone, wx } = unitPhone({
    'GET /api/v1/deputies/7/points': (req) => later(req, 'year', json(200, {
      deputy_id: 7, year: Number(req.query.year), total: Number(req.query.year) - 2000, rank: 1, entries: [],
    })),
    'GET /api/v1/deputies/7/archive': (req) => later(req, 'year', json(200, {
      deputy: { id: 7, name: '张伟', level_label: '市人大代表', region_name: '怀化市', group: '' }, year: Number(req.query.year),
      activities: [], suggestions: { received: Number(req.query.year) - 2000, closed: 0, closed_on_time: 0, closed_implemented: 0, satisfaction: {} },
      points: { total: 0, rank: null, by_rule: [] },
    })),
    'GET /api/v1/leaderboard': (req) => later(req, 'level', json(200, [
      { rank: 1, deputy: { id: req.query.level ? 7 : 3, name: req.query.level ? '张伟' : '李建国', level: 'city' }, points: 10 },
    ])),
  }, { user: DEPUTY });
  const pages = {};
  const opening = ['pages/points/points', 'pages/archive/archive', 'pages/leaderboard/leaderboard'].map((route) => {
    const page = phone.instance(route);
    pages[route.split('/')[1]] = page;
    return page.onShow();
  });
  await until(() => asked(wx, /\/points\?/) && asked(wx, /\/archive\?/) && asked(wx, /\/leaderboard\?/), 'the first loads to be out');
  await pages.points.onYearChange(event({}, chosen));
  await pages.archive.onYearChange(event({}, chosen));
  await pages.leaderboard.onLevelChange(event({}, '3'));
  release();
  await Promise.all(opening);
  assert.equal(pages.points.data.year, Number(chosen));
  assert.equal(pages.points.data.total, Number(chosen) - 2000, 'the total of the year shown, not the late answer for ' + opened);
  assert.equal(pages.points.data.loading, false);
  assert.equal(pages.archive.data.year, Number(chosen));
  assert.equal(pages.archive.data.archive.year, Number(chosen));
  assert.equal(pages.archive.data.loading, false);
  assert.equal(pages.leaderboard.data.levelIndex, 3);
  assert.deepEqual(pages.leaderboard.data.rows.map((r) => r.deputy.name), ['张伟']);
  assert.equal(pages.leaderboard.data.loading, false);
});

test('home: scanning a mini-program code opens the scan entry with its code', async () => {
  const { phone, wx } = unitPhone({}, { user: DEPUTY });
  const home = await phone.open('pages/index/index');
  assert.equal(home.data.isDeputy, true);
  wx.queue.scan.push({ result: '', path: 'pages/scan/scan?scene=sta1', scanType: 'WX_CODE' });
  await home.scan();
  assert.equal(wx.lastNavigation().url, '/pages/scan/scan?code=sta1');
  wx.queue.scan.push({ result: 'https://weixin.qq.com/x' });
  await home.scan();
  assert.equal(wx.toasts.at(-1), '无法识别的二维码');
});

test('offline demos: config.dev codes replace wx.login and the phone button', async () => {
  const bodies = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/auth/bind-phone': (req) => { bodies.push(req.data); return json(200, { user: DEPUTY }); },
    'GET /api/v1/suggestions': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }),
  });
  phone.config().dev = { loginCode: 'devtools-citizen', phoneCode: 'phone-13800000003' };
  const bind = await phone.open('pages/bind/bind');
  assert.equal(wx.calls.login, undefined, 'wx.login not used');
  assert.deepEqual(wx.requests[0].data, { code: 'devtools-citizen' });
  assert.equal(bind.data.devPhoneCode, 'phone-13800000003');
  await bind.bindWithDevCode();
  assert.deepEqual(bodies, [{ code: 'phone-13800000003' }]);
});

test('activity detail: an activity checked in by the screen code alone says so to an invited deputy before the scan', async () => {
  const base = { id: 5, title: '视察', type: 'inspection', type_label: '视察', status: 'published', status_label: '已发单',
    starts_at: '2030-05-01T01:00:00+00:00', ends_at: '2030-05-01T04:00:00+00:00', my_status: 'accepted', participants: [] };
  let activity = Object.assign({}, base, { checkin_mode: 'screen_only', checkin_mode_label: '仅限现场动态码' });
  const { phone } = unitPhone({ 'GET /api/v1/activities/5': () => json(200, activity) }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  assert.equal(detail.data.activity.checkinModeNote, '本次活动仅限扫描活动现场大屏上的动态签到码签到，联络站二维码不能用于签到。');
  activity = Object.assign({}, base, { checkin_mode: 'station_or_screen', checkin_mode_label: '现场码或联络站码' });
  await detail.load();
  assert.equal(detail.data.activity.checkinModeNote, '');
});

test('handling: a work order withdrawn as the deputy left office says so instead of waiting for feedback', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/suggestions/12': () => json(200, staffView({
      id: 12, status: 'accepted', status_label: '办理中', work_orders: [
        { target: 'department', department: '县住建局', work_order_no: 'ZJ-1', forwarded_at: '2026-05-01T02:00:00+00:00',
          feedback_at: null, satisfaction: null, satisfaction_label: null, withdrawn_at: '2026-05-03T02:00:00+00:00',
          withdrawn_reason: '代表离任，建议已退回联络站重新分派' },
        { target: 'department', department: '县住建局', work_order_no: 'ZJ-2', forwarded_at: '2026-05-04T02:00:00+00:00',
          feedback_at: null, satisfaction: null, satisfaction_label: null, withdrawn_at: null, withdrawn_reason: null },
      ],
    })),
  }, { user: DEPUTY });
  const page = await phone.open('pages/suggestion/detail', { id: '12' });
  assert.deepEqual(page.data.item.workOrders.map((w) => [w.work_order_no, w.feedbackText, w.withdrawnText]),
    [['ZJ-1', '', '已撤回（代表离任，建议已退回联络站重新分派）'], ['ZJ-2', '', '']]);
});
