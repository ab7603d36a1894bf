// 揭榜 with a wx stand-in: the activities page's 可揭榜 tab (GET /activities?scope=open) and the 揭榜 button
// (POST /activities/{id}/claim) there and on the activity's page.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');
const { event } = require('../support/harness');

const hour = 3600 * 1000;
const at = (ms) => new Date(ms).toISOString();

// An ActivityOut as the server answers it to a deputy: a research topic in two days offering places.
function topic(overrides) {
  return Object.assign({
    id: 5, title: '老旧小区加装电梯情况调研', type: 'research', type_label: '调研', status: 'published', status_label: '已发单',
    starts_at: at(Date.now() + 48 * hour), ends_at: at(Date.now() + 51 * hour), station: { id: 1, name: '城北联络站' },
    place: '', points: null, description: '', my_status: null, open_slots: 2, claimed_count: 1, can_claim: true, claimed: false,
    participants: [],
  }, overrides);
}

const page = (items, req) => json(200, { items, total: items.length, page: Number(req.query.page), per_page: 20 });

test('activities: 我的活动 and 可揭榜 tabs; 可揭榜 lists scope=open with the places taken, and says when they are gone', async () => {
  const open = [
    topic(),
    topic({ id: 6, title: '乡村振兴志愿服务日', claimed_count: 3, open_slots: 3, can_claim: false }),
    topic({ id: 7, title: '城区停车难问题调研', my_status: 'accepted', claimed: true, can_claim: false }),
  ];
  const mine = [topic({ id: 8, title: '接待选民', type: 'reception', type_label: '接待选民', my_status: 'invited',
    open_slots: null, claimed_count: null, can_claim: false })];
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => page(req.query.scope === 'open' ? open : mine, req),
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities');
  assert.deepEqual(list.data.tabs.map((t) => t.label), ['我的活动', '可揭榜']);
  assert.equal(list.data.tab, 'mine');
  assert.match(wx.requests.at(-1).url, /scope=mine/);
  assert.deepEqual(list.data.items.map((a) => [a.id, a.slotsText, a.claimNote, a.canClaim]), [[8, '', '', false]]);

  await list.switchTab(event({ key: 'open' }));
  assert.match(wx.requests.at(-1).url, /scope=open/);
  assert.match(wx.requests.at(-1).url, /page=1/);
  assert.deepEqual(list.data.items.map((a) => [a.id, a.slotsText, a.claimNote, a.canClaim, a.myStatusLabel]), [
    [5, '已揭榜 1 / 2', '', true, ''],
    [6, '已揭榜 3 / 3', '名额已满', false, ''],
    [7, '已揭榜 1 / 2', '您已揭榜', false, '已接单'],
  ]);

  await list.switchTab(event({ key: 'mine' }));
  assert.match(wx.requests.at(-1).url, /scope=mine/);
  assert.deepEqual(list.data.items.map((a) => a.id), [8]);
  assert.deepEqual(wx.toasts, []);
});

test('activities: 开启发单和揭榜提醒 on either tab asks in the tap for 发单 and 揭榜, the two templates of new activities', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => page(req.query.scope === 'open' ? [topic()] : [], req),
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities', { tab: 'open' });
  assert.equal(await list.subscribe(), 2);
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-activity', 'tmpl-activity-claim']]);
  assert.equal(wx.toasts.pop(), '已开启提醒');
  await list.switchTab(event({ key: 'mine' }));
  wx.subscribeAnswer = 'reject';
  assert.equal(await list.subscribe(), 0);
  assert.deepEqual(wx.calls.requestSubscribeMessage.at(-1).tmplIds, ['tmpl-activity', 'tmpl-activity-claim']);
  assert.equal(wx.toasts.pop(), '未开启提醒');
  assert.ok(wx.requests.every((r) => !/subscribe/.test(r.url)), 'nothing asked of the server');
});

test('activities: opened with tab=open it shows 可揭榜; an empty list says there is none; pulling down keeps the tab', async () => {
  let open = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => page(req.query.scope === 'open' ? open : [], req),
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities', { tab: 'open' });
  assert.equal(list.data.tab, 'open');
  assert.ok(wx.requests.every((r) => !/scope=mine/.test(r.url)), 'no 我的活动 asked for');
  assert.deepEqual(list.data.items, []);
  assert.equal(list.data.loading, false);
  open = [topic()];
  await list.onPullDownRefresh();
  assert.match(wx.requests.at(-1).url, /scope=open/);
  assert.deepEqual(list.data.items.map((a) => a.id), [5]);
});

test('activities: 揭榜 in the 可揭榜 list asks for the reminders in the tap, claims once with an Idempotency-Key and shows 已接单', async () => {
  const claims = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => page([topic()], req),
    'POST /api/v1/activities/5/claim': (req) => {
      claims.push(req.header['Idempotency-Key']);
      return json(201, topic({ my_status: 'accepted', claimed: true, can_claim: false, claimed_count: 2 }));
    },
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities', { tab: 'open' });
  await Promise.all([list.claim(event({ id: 5 })), list.claim(event({ id: 5 }))]);
  assert.equal(claims.length, 1, 'a double tap claims once');
  assert.match(claims[0], /^mp-/);
  const [item] = list.data.items;
  assert.deepEqual([item.myStatusLabel, item.slotsText, item.claimNote, item.canClaim], ['已接单', '已揭榜 2 / 2', '您已揭榜', false]);
  assert.deepEqual(wx.toasts, ['揭榜成功']);
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds,
    ['tmpl-activity-reminder', 'tmpl-activity-cancelled', 'tmpl-activity-changed']);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /activities/5/claim'), order.join(', '));
});

test('activity page: 揭榜名额 and the 揭榜 button; a claim shows the activity as 已接单 with 您已揭榜', async () => {
  let current = topic();
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, current),
    'POST /api/v1/activities/5/claim': () => {
      current = topic({ my_status: 'accepted', claimed: true, can_claim: false, claimed_count: 2 });
      return json(201, current);
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  const shown = detail.data.activity;
  assert.deepEqual([shown.hasSlots, shown.slotsText, shown.canClaim, shown.canAccept, shown.canCheckin, shown.myStatusLabel],
    [true, '已揭榜 1 / 2', true, false, false, '']);
  const result = await detail.claim();
  assert.equal(result.my_status, 'accepted');
  const after = detail.data.activity;
  assert.deepEqual([after.myStatusLabel, after.slotsText, after.claimNote, after.canClaim, after.canDecline, after.canCheckin],
    ['已接单', '已揭榜 2 / 2', '您已揭榜', false, true, true]);
  assert.deepEqual(wx.toasts, ['揭榜成功']);
  assert.deepEqual(wx.modals, []);
});

test('activity page: a claim refused (409) shows the server\'s sentence and the activity as it is now: 名额已满', async () => {
  let current = topic();
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, current),
    'POST /api/v1/activities/5/claim': () => {
      // Another deputy took the last place since the page was opened.
      current = topic({ claimed_count: 2, can_claim: false });
      return error(409, 'invalid_transition', '揭榜名额已满（共 2 个）。');
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  assert.equal(detail.data.activity.canClaim, true);
  await detail.claim();
  assert.deepEqual(wx.toasts, ['揭榜名额已满（共 2 个）。']);
  const shown = detail.data.activity;
  assert.deepEqual([shown.slotsText, shown.claimNote, shown.canClaim, shown.myStatusLabel], ['已揭榜 2 / 2', '名额已满', false, '']);
});

test('揭榜 after a lost answer: the second tap sends the same Idempotency-Key; the next claim a new one', async () => {
  const keys = [];
  let lose = true;
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': (req) => page([topic(), topic({ id: 6 })], req),
    'POST /api/v1/activities/5/claim': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (lose) { lose = false; throw new Error('timeout'); }
      return json(201, topic({ my_status: 'accepted', claimed: true, can_claim: false, claimed_count: 2 }));
    },
    'POST /api/v1/activities/6/claim': (req) => {
      keys.push(req.header['Idempotency-Key']);
      return json(201, topic({ id: 6, my_status: 'accepted', claimed: true, can_claim: false, claimed_count: 2 }));
    },
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities', { tab: 'open' });
  assert.equal(await list.claim(event({ id: 5 })), null);
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  assert.equal(list.data.items[0].canClaim, true, 'still offered');
  await list.claim(event({ id: 5 }));
  await list.claim(event({ id: 6 }));
  assert.equal(keys.length, 3);
  assert.equal(keys[0], keys[1], 'the retry of one claim');
  assert.notEqual(keys[2], keys[0], 'another claim');
  assert.deepEqual(list.data.items.map((a) => a.myStatusLabel), ['已接单', '已接单']);
});

test('揭榜: a deputy who claimed and took leave is not offered 接单 once the places are gone; an invitation-only activity shows no places', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, topic({ my_status: 'declined', claimed: true, can_claim: false, claimed_count: 2 })),
    'GET /api/v1/activities/6': () => json(200, topic({ id: 6, my_status: 'declined', claimed: true, can_claim: false })),
    'GET /api/v1/activities/7': () => json(200, topic({ id: 7, my_status: 'invited', open_slots: null, claimed_count: null, can_claim: false })),
  }, { user: DEPUTY });
  const full = (await phone.open('pages/activity/detail', { id: '5' })).data.activity;
  assert.deepEqual([full.canAccept, full.claimNote, full.myStatusLabel], [false, '名额已满', '已请假']);
  const left = (await phone.open('pages/activity/detail', { id: '6' })).data.activity;
  assert.deepEqual([left.canAccept, left.claimNote], [true, '']);
  const invited = (await phone.open('pages/activity/detail', { id: '7' })).data.activity;
  assert.deepEqual([invited.hasSlots, invited.slotsText, invited.claimNote, invited.canClaim, invited.canAccept],
    [false, '', '', false, true]);
});

test('揭榜 answered 200 for a deputy invited meanwhile: no 揭榜成功, the activity as it is (待接单, 接单 offered)', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities/5': () => json(200, topic()),
    'POST /api/v1/activities/5/claim': () => json(200, topic({ my_status: 'invited', can_claim: false })),
  }, { user: DEPUTY });
  const detail = await phone.open('pages/activity/detail', { id: '5' });
  await detail.claim();
  assert.deepEqual(wx.toasts, ['您已在活动名单中']);
  const shown = detail.data.activity;
  assert.deepEqual([shown.myStatusLabel, shown.canAccept, shown.canClaim, shown.claimNote], ['待接单', true, false, '']);
});
