// 约见代表 with a wx stand-in: the card's entry and plan, the request form, the appointment's page for the
// citizen and for the deputy, the two lists, and the helpers they share.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');
const { event, until, asked } = require('../support/harness');
const { presentDay } = require('../../utils/appointment');

const HOUR = 3600 * 1000;
// A China-time day and clock (the pickers' values) a few days ahead, whatever this machine's zone.
function chinaAhead(days, clock) {
  const d = new Date(Date.now() + days * 24 * HOUR + 8 * HOUR);
  const date = d.toISOString().slice(0, 10);
  return { date, time: clock, iso: date + 'T' + clock + ':00+08:00' };
}

const DAY = {
  id: 31, title: '代表进站接待', starts_at: '2030-05-06T01:00:00+00:00', ends_at: '2030-05-06T04:00:00+00:00',
  when: '5月6日（周一） 09:00–12:00', station: '城北街道人大代表中心联络站', station_id: 1, place: '人民路 18 号',
  deputies: ['张伟'],
};
const DEPUTY_QR = {
  kind: 'deputy', code: 'dep1', url: 'https://msb.example.cn/q/dep1', actions: ['file_suggestion', 'request_appointment'],
  target: { id: 7, name: '张伟', level: 'city', level_label: '市人大代表', stations: [] },
  reception_days: [DAY],
};
const STATION_QR = {
  kind: 'station', code: 'sta1', url: 'https://msb.example.cn/q/sta1', actions: ['file_suggestion', 'view_deputies', 'checkin'],
  target: { id: 1, name: '城北街道人大代表中心联络站', deputies: [] },
};

// An AppointmentOut as its citizen sees it.
function appointment(overrides) {
  return Object.assign({
    id: 5, number: 'YJ-20300501-000005', status: 'requested', status_label: '待确认', topic: '想当面反映加装电梯的困难',
    name: '王先生', contact_phone: '13912345678', preferred_time: '下周二上午', deputy: { id: 7, name: '张伟' },
    station: { id: 1, name: '城北街道人大代表中心联络站' }, activity: null, meet_at: null, place: '', answer: '',
    answered_by: null, answered_at: null, created_at: '2030-05-01T01:30:00+00:00', actions: ['cancel'],
  }, overrides);
}

function requestRoutes(extra) {
  const state = { posts: [] };
  const routes = Object.assign({
    'GET /api/v1/qr/dep1': () => json(200, DEPUTY_QR),
    'GET /api/v1/qr/sta1': () => json(200, STATION_QR),
    'POST /api/v1/appointments': (req) => {
      state.posts.push(req);
      return json(201, appointment({ id: 5 }));
    },
    'GET /api/v1/appointments/5': () => json(200, appointment()),
  }, extra);
  return { routes, state };
}

test('a crowded reception day names its first deputies and says how many receive in all', () => {
  const crowded = Object.assign({}, DAY, { deputies: ['张伟', '李娜'], deputies_total: 40 });
  assert.equal(presentDay(crowded).detail, '城北街道人大代表中心联络站 · 人民路 18 号 · 接待代表：张伟、李娜等 40 位代表');
  const everyone = Object.assign({}, DAY, { deputies: ['张伟', '李娜'], deputies_total: 2 });
  assert.equal(presentDay(everyone).detail, '城北街道人大代表中心联络站 · 人民路 18 号 · 接待代表：张伟、李娜');
  assert.equal(presentDay(DAY).detail, '城北街道人大代表中心联络站 · 人民路 18 号 · 接待代表：张伟', 'a server without the count');
});

test('card: a deputy code offers 约见代表 with its reception days; the form reuses the card\'s answer', async () => {
  const { routes } = requestRoutes();
  const { phone, wx } = unitPhone(routes);
  const card = await phone.open('pages/card/card', { code: 'dep1' });
  assert.equal(card.data.canAppoint, true);
  assert.deepEqual(card.data.days.map((d) => [d.value, d.label, d.detail]),
    [['31', '5月6日（周一） 09:00–12:00', '城北街道人大代表中心联络站 · 人民路 18 号 · 接待代表：张伟']]);
  card.requestAppointment();
  assert.equal(wx.lastNavigation().url, '/pages/appointment/new?code=dep1&name=%E5%BC%A0%E4%BC%9F&kind=deputy');
  const form = await phone.follow();
  assert.equal(form.data.loading, false);
  assert.equal(form.data.targetName, '张伟');
  assert.deepEqual(form.data.days.map((d) => d.id), [31]);
  assert.equal(form.data.choice, '', 'a day or a time is still to be chosen');
  assert.equal(wx.requests.filter((r) => /\/qr\//.test(r.url)).length, 1, 'the plan is not asked for twice');

  const station = await phone.open('pages/card/card', { code: 'sta1' });
  assert.equal(station.data.canAppoint, false, 'only where the server offers it');
  assert.deepEqual(station.data.days, []);
});

test('request: validated as the server does, consent asked in the tap, one request per key, then its page', async () => {
  let fail = 1;
  const { routes, state } = requestRoutes({
    'POST /api/v1/appointments': (req) => {
      state.posts.push(req);
      if (fail > 0) { fail -= 1; throw new Error('lost'); } // the answer never arrives
      return json(201, appointment({ id: 5, activity: { id: 31, title: '代表进站接待', starts_at: DAY.starts_at, ends_at: DAY.ends_at, place: DAY.place }, preferred_time: '' }));
    },
  });
  const { phone, wx } = unitPhone(routes);
  const form = await phone.open('pages/appointment/new', { code: 'dep1', name: encodeURIComponent('张伟'), kind: 'deputy' });
  assert.equal(wx.requests.filter((r) => /\/qr\/dep1/.test(r.url)).length, 1, 'opened directly: the plan is fetched');

  const problems = [];
  const attempt = async () => {
    const [toasts, modals] = [wx.toasts.length, wx.modals.length];
    await form.submit();
    problems.push(...wx.toasts.slice(toasts), ...wx.modals.slice(modals));
  };
  await attempt();
  form.onTopicInput(event({}, '  想当面反映加装电梯的困难 '));
  await attempt();
  form.onPhoneInput(event({}, '1391234'));
  await attempt();
  form.onPhoneInput(event({}, '0745-2234567'));
  await attempt();
  form.onChoiceChange(event({}, 'other'));
  await attempt();
  form.onNameInput(event({}, '王'.repeat(21)));
  await attempt();
  assert.deepEqual(problems, [
    '请填写约见事由', '请填写联系电话', '联系电话格式不正确，请填写手机号或座机号。', '请选择接待日，或填写希望见面的时间。',
    '请填写希望见面的时间', '称呼不能超过 20 字',
  ]);
  form.onNameInput(event({}, '王先生'));
  form.onTopicInput(event({}, 'x'.repeat(501)));
  await attempt();
  assert.equal(problems.pop(), '约见事由不能超过 500 字');
  form.onTopicInput(event({}, '  想当面反映加装电梯的困难 '));
  assert.equal(state.posts.length, 0);
  assert.equal(wx.calls.requestSubscribeMessage, undefined, 'nothing asked before the form is complete');

  // A reception day instead of a time; two taps while the first is on its way send one request.
  form.onChoiceChange(event({}, '31'));
  const first = form.submit();
  assert.equal(form.data.submitting, true, 'busy from the tap');
  const second = await form.submit();
  assert.equal(second, null);
  assert.equal(await first, null, 'the answer was lost');
  assert.equal(form.data.submitting, false);
  assert.equal(state.posts.length, 1);
  const subscribe = wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = wx.order.findIndex((c) => c.name === 'request' && /\/appointments$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, 'consent asked before the request');
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-appointment-result']);

  wx.subscribeAnswer = 'fail'; // a refused or failed consent does not stop it
  const made = await form.submit();
  assert.equal(made.id, 5);
  assert.equal(state.posts.length, 2);
  assert.deepEqual(state.posts[1].data, {
    qr_code: 'dep1', topic: '想当面反映加装电梯的困难', contact_phone: '0745-2234567', name: '王先生', activity_id: 31,
  });
  assert.ok(state.posts[0].header['Idempotency-Key']);
  assert.equal(state.posts[0].header['Idempotency-Key'], state.posts[1].header['Idempotency-Key'], 'one key across the retry');
  assert.deepEqual(wx.lastNavigation(), { type: 'redirectTo', url: '/pages/appointment/detail?id=5', seq: wx.lastNavigation().seq });
  const detail = await phone.follow();
  assert.equal(detail.data.item.status_label, '待确认');

  // The phone is offered again next time; a new form has a new key.
  const next = await phone.open('pages/appointment/new', { code: 'dep1' });
  assert.equal(next.data.contactPhone, '0745-2234567');
  assert.notEqual(next.submitKey, form.submitKey);
});

test('request: with no reception days the suggested time is the way; the server\'s 422 sentences are shown', async () => {
  const { routes, state } = requestRoutes({
    'GET /api/v1/qr/dep1': () => json(200, Object.assign({}, DEPUTY_QR, { reception_days: [] })),
    'POST /api/v1/appointments': (req) => {
      state.posts.push(req);
      return error(422, 'validation_failed', '提交的内容有误，请检查后重试。', {
        preferred_time: ['请选择接待安排，或填写希望见面的时间。'], contact_phone: ['联系电话格式不正确，请填写手机号或座机号。'],
      });
    },
  });
  const { phone, wx } = unitPhone(routes);
  const form = await phone.open('pages/appointment/new', { code: 'dep1' });
  assert.equal(form.data.choice, 'other');
  form.onTopicInput(event({}, '反映噪音扰民'));
  form.onPhoneInput(event({}, '13912345678'));
  form.onPreferredInput(event({}, ' 工作日晚上 '));
  assert.equal(await form.submit(), null);
  assert.deepEqual(state.posts[0].data, {
    qr_code: 'dep1', topic: '反映噪音扰民', contact_phone: '13912345678', name: '', preferred_time: '工作日晚上',
  });
  assert.deepEqual(wx.modals, ['请选择接待安排，或填写希望见面的时间。\n联系电话格式不正确，请填写手机号或座机号。'],
    'the field sentences, once, not the general message');
  assert.equal(form.data.submitting, false);
  assert.deepEqual(wx.navigations, []);

  const missing = await phone.open('pages/appointment/new', {});
  assert.match(missing.data.error, /重新扫码/);
});

test('detail, citizen: what was asked, the phone they left, 取消约见 after a confirm modal with a reason', async () => {
  const posts = [];
  let current = appointment();
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, current),
    'POST /api/v1/appointments/5/cancel': (req) => {
      posts.push(req.data);
      current = appointment({ status: 'cancelled', status_label: '已取消', answer: req.data.note, actions: [] });
      return json(200, current);
    },
  });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  assert.equal(page.data.handler, false);
  assert.equal(page.data.item.canCancel, true);
  assert.equal(page.data.item.canConfirm, false);
  assert.equal(page.data.item.requestedText, '下周二上午');
  assert.equal(page.data.item.targetText, '代表 张伟（城北街道人大代表中心联络站）');
  assert.equal(page.data.stationLocation, null, 'no map before a confirmation');

  wx.queue.modal.push({ confirm: false });
  assert.equal(await page.cancel(), null);
  assert.deepEqual(posts, []);
  wx.queue.modal.push({ confirm: true, content: ' 问题已解决 ' });
  const cancelled = await page.cancel();
  assert.equal(cancelled.status, 'cancelled');
  assert.deepEqual(posts, [{ note: '问题已解决' }]);
  assert.equal(wx.calls.showModal[0].editable, true);
  assert.equal(page.data.item.canCancel, false);
  assert.equal(page.data.item.answer, '问题已解决');
  assert.ok(wx.toasts.includes('已取消'));
});

test('detail, citizen: 取消约见 whose answer was lost, tapped again, sends the same key and shows 已取消, not 约见已取消', async () => {
  let current = appointment();
  const answers = {};
  const keys = [];
  let lose = true;
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, current),
    'POST /api/v1/appointments/5/cancel': (req) => { // as backend/idempotency.py: a key's first answer again
      const key = req.header['Idempotency-Key'];
      keys.push(key);
      if (!answers[key]) {
        if (current.status !== 'requested') return error(409, 'invalid_transition', '约见已取消，不能取消约见。');
        current = appointment({ status: 'cancelled', status_label: '已取消', answer: req.data.note, actions: [] });
        answers[key] = json(200, current);
      }
      if (lose) { lose = false; throw new Error('lost'); }
      return answers[key];
    },
  });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  wx.queue.modal.push({ confirm: true, content: '问题已解决' });
  assert.equal(await page.cancel(), null);
  wx.queue.modal.push({ confirm: true, content: '问题已解决' });
  const cancelled = await page.cancel();
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(keys.length, 2);
  assert.match(keys[0], /^mp-/);
  assert.equal(keys[1], keys[0], 'the retry carries the first tap\'s key');
  assert.deepEqual(wx.modals.filter((m) => m), ['网络连接失败，请检查网络后重试。'], 'no 约见已取消');
  assert.equal(page.data.item.canCancel, false);
});

test('detail, citizen: a double tap on 取消约见 asks once and cancels once; a tap while it is on its way asks nothing', async () => {
  const posts = [];
  let current = appointment();
  let release = () => null;
  let hold = null;
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, current),
    'POST /api/v1/appointments/5/cancel': (req) => {
      posts.push(req.data);
      current = appointment({ status: 'cancelled', status_label: '已取消', answer: req.data.note, actions: [] });
      const answer = json(200, current);
      return hold ? hold.then(() => answer) : answer;
    },
  });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  // Two taps before the dialog closes: one dialog, whose answer decides.
  wx.queue.modal.push({ confirm: false });
  assert.deepEqual(await Promise.all([page.cancel(), page.cancel()]), [null, null]);
  assert.equal(wx.calls.showModal.length, 1);
  assert.deepEqual(posts, []);

  // Confirmed, then tapped again while the cancellation is on its way.
  hold = new Promise((resolve) => { release = resolve; });
  wx.queue.modal.push({ confirm: true, content: '问题已解决' });
  const first = page.cancel();
  await until(() => posts.length === 1, 'the cancellation to be sent');
  assert.equal(await page.cancel(), null);
  release();
  assert.equal((await first).status, 'cancelled');
  assert.equal(wx.calls.showModal.length, 2, 'the first tap\'s dialog and the second tap\'s, nothing more');
  assert.deepEqual(posts, [{ note: '问题已解决' }]);
  assert.deepEqual(wx.toasts, ['已取消']);
  assert.equal(page.data.item.canCancel, false);
});

test('detail, citizen: a confirmed meeting shows the time, the place and the station\'s map', async () => {
  const confirmed = appointment({
    status: 'confirmed', status_label: '已确认', meet_at: '2030-05-06T01:30:00+00:00', place: '城北街道人大代表中心联络站（人民路 18 号）',
    answer: '请携带相关材料', answered_by: '张伟', answered_at: '2030-05-02T02:00:00+00:00',
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, confirmed),
    'GET /api/v1/stations/1': () => json(200, { id: 1, name: '城北街道人大代表中心联络站', address: '人民路 18 号', lat: 27.56, lng: 109.99 }),
  });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  assert.equal(page.data.item.meetText, '2030-05-06 09:30');
  assert.equal(page.data.item.answeredText, '2030-05-02 10:00');
  assert.deepEqual(page.data.stationLocation, { lat: 27.56, lng: 109.99, name: '城北街道人大代表中心联络站', address: '人民路 18 号' });
  page.openMap();
  assert.deepEqual([wx.calls.openLocation[0].latitude, wx.calls.openLocation[0].longitude], [27.56, 109.99]);
  // 见面前提醒我: the consent for the sweep's reminder, asked in the tap.
  assert.equal(await page.remindMe(), true);
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-appointment-result']);
  assert.equal(wx.toasts.at(-1), '将在见面前提醒您');

  // A station without coordinates, or not reachable: no map, and nothing said about it.
  const { phone: other, wx: otherWx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, confirmed),
    'GET /api/v1/stations/1': () => error(404, 'not_found', '联络站不存在。'),
  });
  const quiet = await other.open('pages/appointment/detail', { id: '5' });
  assert.equal(quiet.data.stationLocation, null);
  assert.deepEqual(otherWx.toasts.concat(otherWx.modals), []);
});

test('detail, deputy: the phone with 拨打; 确认 with date, time and place; 改约; 婉拒 needs a reason; 标记已接待', async () => {
  const posts = [];
  let current = appointment({ actions: ['confirm', 'decline'], activity: null });
  const answer = (action, next) => (req) => {
    posts.push([action, req.data]);
    current = Object.assign({}, current, next(req.data));
    return json(200, current);
  };
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, current),
    'GET /api/v1/stations/1': () => json(200, { id: 1, name: '城北站', lat: null, lng: null }),
    'POST /api/v1/appointments/5/confirm': answer('confirm', (d) => ({
      status: 'confirmed', status_label: '已确认', meet_at: d.meet_at, place: d.place || '城北站', answer: d.note,
      actions: ['confirm', 'decline', 'complete'],
    })),
    'POST /api/v1/appointments/5/decline': answer('decline', (d) => ({ status: 'declined', status_label: '已婉拒', answer: d.reason, actions: [] })),
    'POST /api/v1/appointments/5/complete': answer('complete', (d) => ({ status: 'completed', status_label: '已接待', answer: d.note, actions: [] })),
  }, { user: DEPUTY });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  assert.equal(page.data.handler, true);
  page.call();
  assert.equal(wx.calls.makePhoneCall[0].phoneNumber, '13912345678');
  const tomorrow = chinaAhead(1, '09:00');
  assert.deepEqual([page.data.form.date, page.data.form.time], [tomorrow.date, '09:00'], 'tomorrow 09:00 to start with');
  assert.match(page.data.today, /^\d{4}-\d{2}-\d{2}$/);

  // A time already gone is refused here; the server's time zone is China's whatever the phone's.
  page.onDateChange(event({}, chinaAhead(-1, '10:00').date));
  assert.equal(await page.confirm(), null);
  assert.equal(wx.toasts.pop(), '见面时间须晚于现在');
  const when = chinaAhead(3, '14:30');
  page.onDateChange(event({}, when.date));
  page.onTimeChange(event({}, '14:30'));
  page.onFormInput(event({ field: 'note' }, ' 请携带相关材料 '));
  const first = page.confirm();
  assert.equal(await page.confirm(), null, 'a second tap while busy sends nothing');
  const confirmed = await first;
  assert.equal(confirmed.status, 'confirmed');
  assert.deepEqual(posts[0], ['confirm', { meet_at: when.iso, place: '', note: '请携带相关材料' }], 'a blank place: the default');
  // Consent for the reminder before the meeting, asked once, in the tap, before the request.
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-appointment-result']]);
  assert.equal(page.data.item.meetText, when.date + ' 14:30');
  assert.equal(page.data.item.place, '城北站');
  assert.deepEqual([page.data.form.date, page.data.form.time, page.data.form.place, page.data.form.note],
    [when.date, '14:30', '城北站', '请携带相关材料'], '改约 starts from the agreed time, place and note');
  assert.equal(page.data.stationLocation, null, 'a station without coordinates has no map');
  assert.equal(wx.toasts.pop(), '已确认');

  // 改约 of the time alone: the agreed place and note go with it, not a blank place the server would default.
  page.onTimeChange(event({}, '15:00'));
  await page.confirm();
  assert.deepEqual(posts[1], ['confirm', { meet_at: when.date + 'T15:00:00+08:00', place: '城北站', note: '请携带相关材料' }]);
  assert.equal(wx.toasts.pop(), '已改约');
  // 改约: again, to another place.
  page.onFormInput(event({ field: 'place' }, '社区服务中心二楼'));
  await page.confirm();
  assert.deepEqual(posts[2], ['confirm', { meet_at: when.date + 'T15:00:00+08:00', place: '社区服务中心二楼', note: '请携带相关材料' }]);
  assert.equal(wx.toasts.pop(), '已改约');

  assert.equal(await page.decline(), null);
  assert.equal(wx.toasts.pop(), '请填写婉拒理由');
  assert.equal(posts.length, 3);

  page.onFormInput(event({ field: 'completeNote' }, '已当面听取意见'));
  await page.complete();
  assert.deepEqual(posts[3], ['complete', { note: '已当面听取意见' }]);
  assert.equal(page.data.item.status_label, '已接待');
  assert.equal(page.data.item.canConfirm, false);
  assert.equal(page.data.handler, true, 'still the deputy\'s: the phone stays on show');
});

test('detail, deputy: 婉拒 with a reason; a refusal from the server is shown and the page stays', async () => {
  const posts = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => json(200, appointment({ actions: ['confirm', 'decline'] })),
    'POST /api/v1/appointments/5/decline': (req) => {
      posts.push(req.data);
      return posts.length === 1
        ? error(409, 'invalid_transition', '约见已取消，不能婉拒约见。')
        : json(200, appointment({ status: 'declined', status_label: '已婉拒', answer: req.data.reason, actions: [] }));
    },
  }, { user: DEPUTY });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  page.onFormInput(event({ field: 'reason' }, '近期在外地学习'));
  assert.equal(await page.decline(), null);
  assert.deepEqual(wx.toasts, ['约见已取消，不能婉拒约见。']);
  assert.equal(page.data.busy, false);
  const declined = await page.decline();
  assert.equal(declined.status_label, '已婉拒');
  assert.deepEqual(posts[1], { reason: '近期在外地学习' });
});

test('detail, deputy: a refresh answering after 确认 shows the confirmed meeting, not the request before it', async () => {
  let current = appointment({ actions: ['confirm', 'decline'] });
  let hold = null;
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments/5': () => {
      const answer = json(200, current);
      return hold ? hold.then(() => answer) : answer;
    },
    'GET /api/v1/stations/1': () => json(200, { id: 1, name: '城北站', lat: null, lng: null }),
    'POST /api/v1/appointments/5/confirm': (req) => {
      current = Object.assign({}, current, { status: 'confirmed', status_label: '已确认', meet_at: req.data.meet_at, actions: ['confirm', 'decline', 'complete'] });
      return json(200, current);
    },
  }, { user: DEPUTY });
  const page = await phone.open('pages/appointment/detail', { id: '5' });
  let release;
  hold = new Promise((resolve) => { release = resolve; });
  const refreshing = page.onPullDownRefresh();
  await until(() => asked(wx, /\/appointments\/5$/) === 2, 'the refresh to be asked');
  await page.confirm();
  assert.equal(page.data.item.status, 'confirmed');
  release();
  await refreshing;
  assert.equal(page.data.item.status, 'confirmed', 'the late answer from before 确认 is dropped');
  assert.equal(page.data.item.status_label, '已确认');
});

test('detail: an appointment one may not see shows the server\'s sentence with 重试', async () => {
  const { phone } = unitPhone({ 'GET /api/v1/appointments/9': () => error(404, 'not_found', '约见不存在。') });
  const page = await phone.open('pages/appointment/detail', { id: '9' });
  assert.equal(page.data.item, null);
  assert.equal(page.data.error, '约见不存在。');
});

test('约见我的: deputies only; 待确认 / 已确认 / 全部 by status; 开启提醒 asks for the appointment template', async () => {
  const queries = [];
  const rows = [
    appointment({ id: 5, actions: ['confirm', 'decline'] }),
    appointment({ id: 6, status: 'confirmed', status_label: '已确认', meet_at: '2030-05-06T01:30:00+00:00', place: '城北站', actions: ['confirm', 'decline', 'complete'] }),
  ];
  const routes = {
    'GET /api/v1/appointments': (req) => {
      queries.push(req.query);
      const items = rows.filter((r) => !req.query.status || r.status === req.query.status);
      return json(200, { items, total: items.length, page: 1, per_page: 20 });
    },
  };
  const citizen = unitPhone(routes);
  const notYet = await citizen.phone.open('pages/appointments/appointments', { scope: 'handling' });
  assert.equal(notYet.data.isDeputy, false);
  assert.deepEqual(queries, []);
  notYet.bind();
  assert.equal(citizen.wx.lastNavigation().url, '/pages/bind/bind');

  const { phone, wx } = unitPhone(routes, { user: DEPUTY });
  const list = await phone.open('pages/appointments/appointments', { scope: 'handling' });
  assert.equal(wx.calls.setNavigationBarTitle[0].title, '约见我的');
  assert.equal(list.data.tab, 'requested');
  assert.deepEqual(queries.pop(), { scope: 'handling', status: 'requested', page: '1', per_page: '20' });
  assert.deepEqual(list.data.items.map((i) => i.id), [5]);
  await list.switchTab(event({ key: 'confirmed' }));
  assert.equal(queries.pop().status, 'confirmed');
  assert.equal(list.data.items[0].meetText, '2030-05-06 09:30');
  await list.switchTab(event({ key: 'all' }));
  assert.deepEqual(queries.pop(), { scope: 'handling', page: '1', per_page: '20' });
  assert.deepEqual(list.data.items.map((i) => i.id), [5, 6]);

  const accepted = await list.subscribe();
  assert.equal(accepted, 1);
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-appointment']);
  assert.equal(wx.toasts.pop(), '已开启提醒');
  wx.subscribeAnswer = 'reject';
  assert.equal(await list.subscribe(), 0);
  assert.equal(wx.toasts.pop(), '未开启提醒');

  list.open(event({ id: 6 }));
  assert.equal(wx.lastNavigation().url, '/pages/appointment/detail?id=6');
  await list.onPullDownRefresh();
  assert.equal(wx.calls.stopPullDownRefresh.length, 1);
});

test('我的约见: a citizen\'s own, every status; an empty list offers to scan; errors in place of the list', async () => {
  const queries = [];
  let fail = false;
  let rows = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/appointments': (req) => {
      queries.push(req.query);
      if (fail) return error(500, 'internal_error', '服务器出了点问题，请稍后重试。');
      return json(200, { items: rows, total: rows.length, page: 1, per_page: 20 });
    },
  });
  const list = await phone.open('pages/appointments/appointments', {});
  assert.equal(list.data.scope, 'mine');
  assert.equal(wx.calls.setNavigationBarTitle[0].title, '我的约见');
  assert.deepEqual(queries.pop(), { scope: 'mine', page: '1', per_page: '20' });
  assert.deepEqual(list.data.items, []);
  list.scan();
  assert.equal(wx.lastNavigation().url, '/pages/index/index');

  rows = [appointment({ activity: { id: 31, title: '代表进站接待', starts_at: DAY.starts_at, ends_at: DAY.ends_at, place: DAY.place } })];
  await list.onShow();
  assert.equal(list.data.items[0].requestedText, '接待日 2030-05-06 09:00–12:00');
  // The station cancelled that day since: said beside it.
  rows = [appointment({ activity: { id: 31, title: '代表进站接待', starts_at: DAY.starts_at, ends_at: DAY.ends_at, place: DAY.place,
    status: 'cancelled', status_label: '已取消' } })];
  await list.onShow();
  assert.equal(list.data.items[0].requestedText, '接待日 2030-05-06 09:00–12:00（该接待日已取消）');
  fail = true;
  await list.reload();
  assert.equal(list.data.error, '服务器出了点问题，请稍后重试。');
});

test('home: 我的约见 for everyone, 约见我的 for deputies', () => {
  const fs = require('fs');
  const path = require('path');
  const wxml = fs.readFileSync(path.join(__dirname, '..', '..', 'pages/index/index.wxml'), 'utf8');
  const deputyCard = wxml.slice(wxml.indexOf('wx:if="{{isDeputy}}"'));
  assert.match(wxml.slice(0, wxml.indexOf('wx:if="{{isDeputy}}"')), /data-url="\/pages\/appointments\/appointments\?scope=mine"/);
  assert.match(deputyCard, /data-url="\/pages\/appointments\/appointments\?scope=handling"/);
});

test('helpers: errorDetail, meetAt, chinaParts, the phone check, the requested time', () => {
  const { Phone } = require('../support/harness');
  const { createFakeWx } = require('../support/fake-wx');
  const phone = new Phone(createFakeWx({}));
  const root = require('../support/harness').ROOT;
  const api = phone.load(root + '/utils/api.js');
  const util = phone.load(root + '/utils/appointment.js');

  assert.equal(api.errorDetail(api.ApiError(422, 'validation_failed', '提交的内容有误，请检查后重试。', {
    topic: ['不能为空。'], location: { lat: ['不能为空。'] },
  })), '不能为空。');
  assert.equal(api.errorDetail(api.ApiError(409, 'invalid_transition', '约见已取消。')), '约见已取消。');

  assert.equal(util.meetAt('2030-05-06', '09:30'), '2030-05-06T09:30:00+08:00');
  assert.equal(util.meetAt('', '09:30'), '');
  assert.equal(util.meetAt('2030-05-06', ''), '');
  assert.deepEqual(util.chinaParts('2030-05-05T16:30:00+00:00'), { date: '2030-05-06', time: '00:30' });
  assert.deepEqual(util.chinaParts('nonsense'), { date: '', time: '' });

  for (const ok of ['13912345678', '0745-2234567', '07452234567', '010-12345678']) assert.ok(util.PHONE_PATTERN.test(ok), ok);
  for (const bad of ['1391234567', '23912345678', '0745-22345', '139 1234 5678']) assert.ok(!util.PHONE_PATTERN.test(bad), bad);

  assert.equal(util.spanText('2030-05-06T01:00:00+00:00', '2030-05-07T04:00:00+00:00'), '2030-05-06 09:00 至 2030-05-07 12:00');
  const station = util.presentAppointment(appointment({ deputy: null, actions: [] }));
  assert.equal(station.targetText, '城北街道人大代表中心联络站');
  assert.equal(station.answerable, false);
});

test('request: asked, the answer lost, the topic changed and sent again: it says it went through and leads to 我的约见', async () => {
  const seen = {};
  let lose = true;
  const { routes, state } = requestRoutes({
    'POST /api/v1/appointments': (req) => {
      state.posts.push(req);
      const key = req.header['Idempotency-Key'];
      if (seen[key] && seen[key] !== JSON.stringify(req.data)) {
        return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
      }
      seen[key] = JSON.stringify(req.data);
      if (lose) { lose = false; throw new Error('lost'); }
      return json(201, appointment({ id: 5 }));
    },
  });
  const { phone, wx } = unitPhone(routes);
  const form = await phone.open('pages/appointment/new', { code: 'dep1', name: encodeURIComponent('张伟'), kind: 'deputy' });
  form.onTopicInput(event({}, '想当面反映加装电梯的困难'));
  form.onPhoneInput(event({}, '0745-2234567'));
  form.onChoiceChange(event({}, '31'));
  await form.submit();
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  form.onTopicInput(event({}, '想当面反映加装电梯的困难，楼里老人多'));
  await form.submit();
  assert.equal(state.posts.length, 2);
  assert.deepEqual(wx.modals.slice(1), ['您的约见申请此前已提交成功（当时网络中断，未能显示结果），可到“我的约见”查看，无需重复提交。']);
  assert.equal(wx.lastNavigation().url, '/pages/appointments/appointments?scope=mine');
  assert.equal(form.data.submitting, false);
  assert.notEqual(form.submitKey, state.posts[1].header['Idempotency-Key'], 'a new key for a new request');
});
