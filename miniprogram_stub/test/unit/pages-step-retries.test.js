// A step whose answer was lost, tapped again: one Idempotency-Key per step (utils/api.js), taken once and
// never refused; a step refused shows the item or the list as it is now.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, suggestion, staffView, DEPUTY } = require('../support/unit');
const { event } = require('../support/harness');

const KEY = 'Idempotency-Key';

// A server that keeps the answer of each keyed request, as backend/idempotency.py does: the same key
// again gets the first answer, and the step is not taken twice. `lose` drops the answer of the next one
// (taken on the server, the phone hears nothing).
function keyedServer(step) {
  const answers = {};
  const state = { taken: 0, keys: [], lose: 0 };
  const handler = (req) => {
    state.keys.push(req.header[KEY]);
    let res = req.header[KEY] && answers[req.header[KEY]];
    if (!res) {
      res = step(req);
      if (res.statusCode < 400) state.taken += 1;
      if (req.header[KEY] && res.statusCode < 400) answers[req.header[KEY]] = res;
    }
    if (state.lose > 0) {
      state.lose -= 1;
      throw new Error('the answer was lost');
    }
    return res;
  };
  return { handler, state };
}

test('rating: a lost answer and a second tap send the same key, read how it went, and show no refusal', async () => {
  let current = suggestion({ status: 'replied', status_label: '已答复', reply_content: '已修复' });
  const server = keyedServer((req) => {
    if (current.status !== 'replied') return error(409, 'invalid_transition', '当前状态为“已办结”，不能评价。');
    current = Object.assign({}, current, { status: 'closed', status_label: '已办结', satisfaction: req.data.satisfaction });
    return json(200, current);
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, current),
    'POST /api/v1/suggestions/11/rate': server.handler,
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  detail.onSatisfactionChange(event({}, 'satisfied'));
  server.state.lose = 1;
  assert.equal(await detail.rate(), null);
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  assert.equal(detail.data.canRate, true, 'nothing heard: the form stays for the retry');
  await detail.rate();
  assert.equal(server.state.taken, 1, 'rated once');
  assert.equal(server.state.keys.length, 2);
  assert.match(server.state.keys[0], /^mp-/);
  assert.equal(server.state.keys[1], server.state.keys[0], 'the retry carries the first tap\'s key');
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。'], 'no 不能评价');
  assert.equal(detail.data.canRate, false);
  assert.equal(detail.data.item.status_label, '已办结');
  assert.deepEqual(wx.toasts, ['感谢您的评价']);
});

test('withdrawing: a refusal (withdrawn or taken on another phone) shows the item as it is now, without 撤回', async () => {
  let current = suggestion({ status: 'assigned', status_label: '待接单', contact_phone: '13912345678' });
  const keys = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, current),
    'POST /api/v1/suggestions/11/withdraw': (req) => {
      keys.push(req.header[KEY]);
      return error(409, 'invalid_transition', '当前状态为“办理中”，不能撤回。');
    },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.canWithdraw, true);
  current = Object.assign({}, current, { status: 'accepted', status_label: '办理中' }); // the deputy took it meanwhile
  await detail.withdraw();
  assert.equal(keys.length, 1);
  assert.match(keys[0], /^mp-/);
  assert.deepEqual(wx.modals.slice(-1), ['当前状态为“办理中”，不能撤回。']);
  assert.equal(detail.data.canWithdraw, false, 'the page no longer offers what can only be refused');
  assert.equal(detail.data.item.status_label, '办理中');
});

test('handling: 记录进展 retried after a lost answer is recorded once; a second note is a new step with a new key', async () => {
  const notes = [];
  let current = staffView({ status: 'accepted', status_label: '办理中' });
  const server = keyedServer((req) => {
    notes.push(req.data.note);
    current = Object.assign({}, current, { timeline: notes.map((note) => ({ action: 'progress', note })) });
    return json(200, current);
  });
  const { phone } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, current),
    'POST /api/v1/suggestions/11/progress': server.handler,
  }, { user: DEPUTY });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.isHandler, true);
  detail.onFormInput(Object.assign(event({ field: 'note' }), { detail: { value: '已联系城管，明天处理' } }));
  server.state.lose = 1;
  await detail.addProgress();
  assert.equal(detail.data.form.note, '已联系城管，明天处理', 'nothing heard: the note stays for the retry');
  await detail.addProgress();
  assert.deepEqual(notes, ['已联系城管，明天处理'], 'stored once');
  assert.equal(server.state.keys[1], server.state.keys[0]);
  assert.equal(detail.data.form.note, '');

  // The same words tapped again on purpose, after the answer came: a new note.
  detail.onFormInput(Object.assign(event({ field: 'note' }), { detail: { value: '已联系城管，明天处理' } }));
  await detail.addProgress();
  assert.equal(notes.length, 2);
  assert.notEqual(server.state.keys[2], server.state.keys[0]);
});

test('handling: a note edited after a lost answer is sent with a new key (the server would refuse the old one)', async () => {
  const keys = [];
  let lose = true;
  const { phone } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, staffView({ status: 'accepted', status_label: '办理中' })),
    'POST /api/v1/suggestions/11/progress': (req) => {
      keys.push(req.header[KEY]);
      if (lose) { lose = false; throw new Error('lost'); }
      return json(200, staffView({ status: 'accepted', status_label: '办理中' }));
    },
  }, { user: DEPUTY });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  detail.onFormInput(Object.assign(event({ field: 'note' }), { detail: { value: '已联系' } }));
  await detail.addProgress();
  detail.onFormInput(Object.assign(event({ field: 'note' }), { detail: { value: '已联系城管' } }));
  await detail.addProgress();
  assert.equal(keys.length, 2);
  assert.notEqual(keys[1], keys[0]);
});

test('inbox: 接单 retried after a lost answer is one acceptance; a refused 接单 reloads the list without the item', async () => {
  let items = [suggestion({ id: 11 }), suggestion({ id: 12 })];
  const server = keyedServer((req) => {
    const id = Number(req.path.split('/')[4]);
    if (!items.some((i) => i.id === id)) return error(409, 'invalid_transition', '当前状态为“办理中”，不能接单。');
    items = items.filter((i) => i.id !== id);
    return json(200, suggestion({ id, status: 'accepted' }));
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items, total: items.length, page: 1, per_page: 20 }),
    'POST /api/v1/suggestions/11/accept': server.handler,
    'POST /api/v1/suggestions/12/accept': server.handler,
  }, { user: DEPUTY });
  const inbox = await phone.open('pages/inbox/inbox');
  server.state.lose = 1;
  await inbox.accept(event({ id: 11 }));
  assert.deepEqual(inbox.data.items.map((i) => i.id), [11, 12], 'nothing heard: still listed');
  await inbox.accept(event({ id: 11 }));
  assert.equal(server.state.taken, 1);
  assert.equal(server.state.keys[1], server.state.keys[0]);
  assert.deepEqual(inbox.data.items.map((i) => i.id), [12]);
  assert.deepEqual(wx.toasts, ['已接单']);

  // 12 was taken on the item's page on another phone meanwhile (the list still shows it here).
  items = [];
  await inbox.accept(event({ id: 12 }));
  assert.deepEqual(wx.modals.slice(-1), ['当前状态为“办理中”，不能接单。']);
  assert.deepEqual(inbox.data.items, [], 'the list as it is now');
});

test('activities: 接单 and 请假 retried after a lost answer carry the first tap\'s key, are taken once and show no refusal', async () => {
  let myStatus = 'invited';
  const activity = () => ({
    id: 5, title: '接待选民', type: 'reception', type_label: '接待选民', status: 'published', status_label: '已发单',
    starts_at: '2026-05-01T01:00:00+00:00', ends_at: '2026-05-01T04:00:00+00:00', my_status: myStatus,
    station: { id: 1, name: '城北联络站' },
  });
  const answer = (to, refusal) => (req) => {
    if (myStatus === to) return error(409, 'invalid_transition', refusal);
    myStatus = to;
    return json(200, activity());
  };
  const accepting = keyedServer(answer('accepted', '您已接单或已签到。'));
  const declining = keyedServer(answer('declined', '已签到或已请假，不能再请假。'));
  const { phone, wx } = unitPhone({
    'GET /api/v1/activities': () => json(200, { items: [activity()], total: 1, page: 1, per_page: 20 }),
    'POST /api/v1/activities/5/accept': accepting.handler,
    'POST /api/v1/activities/5/decline': declining.handler,
  }, { user: DEPUTY });
  const list = await phone.open('pages/activities/activities');

  accepting.state.lose = 1;
  await list.accept(event({ id: 5 }));
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  await list.accept(event({ id: 5 }));
  assert.equal(accepting.state.taken, 1, 'accepted once');
  assert.equal(accepting.state.keys.length, 2);
  assert.match(accepting.state.keys[0], /^mp-/);
  assert.equal(accepting.state.keys[1], accepting.state.keys[0], 'the retry carries the first tap\'s key');
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。'], 'no 您已接单');
  assert.equal(list.data.items[0].myStatusLabel, '已接单');

  declining.state.lose = 1;
  wx.queue.modal.push({ confirm: true, content: '外出开会' });
  await list.decline(event({ id: 5 }));
  wx.queue.modal.push({ confirm: true, content: '外出开会' });
  await list.decline(event({ id: 5 }));
  assert.equal(declining.state.taken, 1, 'on leave once');
  assert.equal(declining.state.keys[1], declining.state.keys[0]);
  assert.notEqual(declining.state.keys[0], accepting.state.keys[0], 'each step its own key');
  // (the reason's editable modals show no message)
  assert.deepEqual(wx.modals.filter(Boolean), ['网络连接失败，请检查网络后重试。', '网络连接失败，请检查网络后重试。']);
  assert.equal(list.data.items[0].myStatusLabel, '已请假');

  // Answered, the step is done with its key: 接单 again after the leave is a new step.
  await list.accept(event({ id: 5 }));
  assert.equal(accepting.state.taken, 2);
  assert.notEqual(accepting.state.keys[2], accepting.state.keys[0]);
});
