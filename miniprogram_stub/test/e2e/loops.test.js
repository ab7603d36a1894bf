// End to end, against the REAL backend (started once here, as `make run` does, on free ports and a fresh
// SQLite database) with the offline WeChat stand-in. The stub's own API module and page handlers run on a
// `wx` stand-in whose wx.request / wx.uploadFile / wx.downloadFile are REAL HTTP.
//
// 1. 码上办: a citizen scans a deputy's printed code (options.q), files with a photo; the deputy binds by
//    phone, accepts, forwards it to the 12345 hotline (dissatisfied: 督办) and to a department, and
//    replies; the citizen's 消息 list the item's 已受理 and 已答复, the home page counting the unread; the
//    citizen rates and the item is closed, opening it having read its notices.
// 2. 发单 → 接单 → 扫码签到 → 结单 → 积分: an administrator dispatches an activity at station 1 through the
//    API; the deputy accepts it in the stub, checks in by scanning the station's code with the location,
//    and after the administrator closes it sees the points, the archive and the leaderboard; refused at
//    an activity's screen code, they are asked to scan anew, and the card says the code is no card.
//    揭榜: an administrator offers a research topic at a town's station with one place; two of the town's
//    deputies find it in 可揭榜, the first claims it (已接单, 您已揭榜), the second, whose page still offered
//    揭榜, is refused with the server's sentence and sees 名额已满.
//    调研清单: an administrator publishes a research topic; a deputy finds it in 调研清单, takes it (领题) and
//    submits a report with a photo; the administrator returns it (退回修改), the deputy opens the notice in
//    消息, sees the reason and resubmits; the administrator accepts it, and the deputy sees 已通过 in 我的调研 and in the archive.
// 3. 约见代表: a citizen scans a deputy's code and asks to meet at a time they suggest; the deputy binds,
//    finds it in 约见我的 and confirms a time; the citizen sees 已确认 with the time and the place.
// 4. 找站点: a citizen near a station finds it first in 附近联络站, opens its card through its code to file
//    or ask to meet, and has 导航 to it; a citizen who refuses the location finds a station by name.
// 5. 群众下单: from a village station's card, the congresses nearest it are offered first (no village), and
//    the proposal reaches the township's congress.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { startBackend, http, adminToken } = require('../support/backend');
const { createFakeWx } = require('../support/fake-wx');
const { httpTransport } = require('../support/http-transport');
const { Phone, event } = require('../support/harness');
const { writePng } = require('../support/png');

const DEPUTY_PHONE = '13800000003'; // 张伟: files reach him through his code
const CHECKIN_PHONE = '13800000005'; // 陈明, at station 1 (城北街道人大代表中心联络站) in the demo data
const APPOINTMENT_PHONE = '13800000006'; // 杨丽: asked to meet in the appointment walk
const INBOX_PHONE = '13800000008'; // 黄敏: sorts and searches the inbox
const CLAIM_PHONES = ['13800000009', '13800000012']; // 周涛 and 孙娜, of 中方镇 (station 中方镇人大代表联络站)
const RESEARCH_PHONE = '13800000004'; // 刘芳, a city deputy: takes a research topic and reports

let backend;
let admin;
let deputyRecord;
let checkinDeputy;
let tmp;

// A phone: its own storage, modules and wx; the network is real HTTP to the backend.
function phoneFor(loginCode, location) {
  const wx = createFakeWx(httpTransport({ dir: tmp, log: process.env.E2E_LOG ? (...a) => console.error(...a) : null }), {
    loginCode, location: location === undefined ? { latitude: 27.5612, longitude: 109.9971 } : location,
  });
  const phone = new Phone(wx);
  phone.config().baseUrl = backend.baseUrl;
  return phone;
}

// Generous limits: a loaded CI machine starts three Python processes here.
const LIMIT = { timeout: 180000 };

before(async () => {
  backend = await startBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-e2e-photos-'));
  admin = await adminToken(backend.baseUrl);
  const deputies = await http(backend.baseUrl, 'GET', '/deputies?per_page=100', undefined, admin);
  deputyRecord = deputies.items.find((d) => d.phone === DEPUTY_PHONE);
  assert.ok(deputyRecord && deputyRecord.qr_code, 'demo deputy with a code');
  checkinDeputy = deputies.items.find((d) => d.phone === CHECKIN_PHONE);
  assert.ok(checkinDeputy.station_ids.includes(1));
}, LIMIT);

after(async () => {
  if (backend) await backend.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, LIMIT);

// --- 1. the suggestion loop ---------------------------------------------------------------------------

test('citizen scans a deputy code, files with a photo; the deputy accepts, forwards and replies; the citizen rates', LIMIT, async (t) => {
  const citizen = phoneFor('citizen-e2e');
  await citizen.launch();
  assert.ok(citizen.wx.getStorageSync('msb_token'), 'logged in at launch');
  assert.deepEqual(citizen.wx.getStorageSync('msb_user').roles, ['citizen']);

  // WeChat opens the scan page with the printed link, URL-encoded, in options.q.
  const link = `${backend.publicBaseUrl}/q/${deputyRecord.qr_code}`;
  const scan = await citizen.open('pages/scan/scan', { q: encodeURIComponent(link), scancode_time: '1700000000' });
  assert.match(citizen.wx.lastNavigation().url, /^\/pages\/card\/card\?code=/);
  assert.equal(scan.data.message, '');

  const card = await citizen.follow();
  assert.equal(card.data.kind, 'deputy');
  assert.equal(card.data.target.name, '张伟');
  assert.equal(card.data.canFile, true);

  card.fileSuggestion();
  const file = await citizen.follow();
  assert.equal(file.data.loading, false);
  assert.ok(file.data.categories.includes('道路交通'));
  assert.equal(file.data.targetName, '张伟');

  await file.onCategoryChange(event({}, String(file.data.categories.indexOf('道路交通'))));
  file.onContentInput(event({}, '人民路与迎丰路交叉口的红绿灯坏了三天，早晚高峰很危险。'));
  await file.locate();
  assert.deepEqual(file.data.location, { lat: 27.5612, lng: 109.9971, address: '' });
  assert.deepEqual(file.data.nearby, [], 'nothing similar nearby yet');

  const photo = writePng(path.join(tmp, 'traffic-light.png'), 32, 24);
  citizen.wx.queue.media.push({ tempFiles: [{ tempFilePath: photo, size: fs.statSync(photo).size, fileType: 'image' }] });
  await file.choosePhotos();
  assert.equal(file.data.photos.length, 1);
  assert.equal(file.data.photos[0].status, 'done');
  assert.ok(file.data.photos[0].id > 0);
  const upload = citizen.wx.calls.uploadFile[0];
  assert.ok(upload.header['Idempotency-Key'], 'upload carries an Idempotency-Key');

  file.onAnonymousChange(event({}, false));
  file.onPublicChange(event({}, true));
  const item = await file.submit();
  assert.ok(item && item.id, 'filed');
  assert.equal(item.status, 'assigned');
  assert.equal(item.deputy.name, '张伟');
  assert.equal(item.attachments.length, 1);
  assert.equal(item.public_consent, true);
  const subscribe = citizen.wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = citizen.wx.order.findIndex((c) => c.name === 'request' && /\/api\/v1\/suggestions$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, 'subscribe asked before the suggestion is posted');
  assert.deepEqual(citizen.wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-accepted', 'tmpl-replied', 'tmpl-reopened']);

  await t.test('a second submit with the same key files nothing new', async () => {
    const again = await file.send();
    assert.equal(again.id, item.id);
    const mine = await citizen.open('pages/mine/mine');
    assert.equal(mine.data.items.length, 1);
    assert.equal(mine.data.items[0].status_label, '待接单');
  });

  const detail = await citizen.follow(); // redirectTo the item after submitting
  assert.equal(detail.route, 'pages/suggestion/detail');
  assert.equal(detail.data.item.id, item.id);
  assert.equal(detail.data.isHandler, false);
  assert.equal(detail.data.canRate, false);
  assert.equal(detail.data.item.own, true, 'the server shows the filer as the filer');
  assert.equal(detail.data.canWithdraw, true);
  assert.equal(detail.data.item.choicesText, '实名提交 · 同意办结后公开');
  assert.equal(detail.data.photos.length, 1, 'the photo is fetched with the token');
  const stored = fs.readFileSync(detail.data.photos[0]);
  assert.ok(stored.subarray(1, 4).toString() === 'PNG' || stored.subarray(0, 2).toString('hex') === 'ffd8',
    'an image came back');

  // The deputy: logs in, binds by phone, finds the item in 待接单.
  const deputy = phoneFor('deputy-x');
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  assert.equal(bind.data.isDeputy, false);
  const bound = await bind.onGetPhoneNumber({ detail: { code: 'phone-' + DEPUTY_PHONE, errMsg: 'getPhoneNumber:ok' } });
  assert.ok(bound.roles.includes('deputy'));
  assert.equal(bound.deputy_id, deputyRecord.id);
  assert.equal(deputy.wx.lastNavigation().url, '/pages/inbox/inbox');

  const inbox = await deputy.follow();
  assert.equal(inbox.data.tab, 'assigned');
  assert.deepEqual(inbox.data.items.map((i) => i.id), [item.id]);
  await inbox.accept(event({ id: item.id }));
  assert.deepEqual(inbox.data.items, [], 'accepted: no longer waiting');
  await inbox.switchTab(event({ key: 'accepted' }));
  assert.deepEqual(inbox.data.items.map((i) => i.status_label), ['办理中']);
  assert.match(inbox.data.items[0].dueText, /^请于 \d{2}-\d{2} \d{2}:\d{2} 前答复$/, 'the list carries the reply deadline');

  inbox.open(event({ id: item.id }));
  const handle = await deputy.follow();
  assert.equal(handle.data.isHandler, true);
  assert.equal(handle.data.item.status, 'accepted');
  assert.equal(handle.data.item.own, false, 'the handling deputy is not taken for the filer');
  assert.equal(handle.data.canWithdraw, false);
  assert.match(handle.data.dueText, /^请于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前答复$/, 'the reply deadline is shown');
  assert.match(handle.data.item.placeText, /^经纬度 27\.5612/);
  handle.onFormInput(event({ field: 'note' }, '已联系交警大队，约定明日现场查看。'));
  await handle.addProgress();

  // 转办 to the 12345 hotline with its work order number; the answer does not satisfy the deputy: 督办.
  handle.onForwardTargetChange(event({}, '1'));
  handle.onFormInput(event({ field: 'note' }, '请 12345 热线转交警部门维修信号灯。'));
  handle.onFormInput(event({ field: 'workOrderNo' }, 'RX20260501001'));
  const forwarded = await handle.forward();
  assert.equal(forwarded.status, 'forwarded');
  assert.equal(forwarded.work_order_no, 'RX20260501001');
  handle.onFormInput(event({ field: 'note' }, '热线回复：已转交，暂无维修时间。'));
  handle.onDepartmentSatisfactionChange(event({}, 'dissatisfied'));
  const supervised = await handle.feedback();
  assert.equal(supervised.status, 'accepted');
  assert.equal(supervised.supervised, true);
  assert.ok(handle.data.item.flags.includes('督办'));
  assert.deepEqual(handle.data.item.workOrders.map((w) => [w.department, w.work_order_no, w.satisfaction_label]),
    [['12345 热线人大代表通道', 'RX20260501001', '不满意']]);
  // Forwarded again, to the department itself; this time the deputy is satisfied.
  handle.onForwardTargetChange(event({}, '0'));
  handle.onFormInput(event({ field: 'department' }, '市公安局交警支队'));
  handle.onFormInput(event({ field: 'note' }, '督办后直接转交警支队。'));
  await handle.forward();
  handle.onFormInput(event({ field: 'note' }, '交警支队：已安排今日维修。'));
  handle.onDepartmentSatisfactionChange(event({}, 'satisfied'));
  await handle.feedback();
  assert.deepEqual(handle.data.item.workOrders.map((w) => [w.department, w.work_order_no, w.satisfaction_label]),
    [['12345 热线人大代表通道', 'RX20260501001', '不满意'], ['市公安局交警支队', null, '满意']]);
  handle.onFormInput(event({ field: 'reply' }, '交警大队已于今日修复信号灯，感谢您的反映。'));
  handle.onOutcomeChange(event({}, 'true'));
  const replied = await handle.reply();
  assert.equal(replied.status, 'replied');
  assert.equal(handle.data.item.status_label, '已答复');
  assert.deepEqual(handle.data.form.reply, '', 'form cleared');

  // 消息: whether or not WeChat delivered them, the citizen's notices wait in the list, the home page counting
  // the unread; one opened from the list is read.
  const home = await citizen.open('pages/index/index');
  assert.equal(home.data.unread, 2);
  const notices = await citizen.open('pages/messages/messages', {});
  assert.deepEqual(notices.data.items.map((m) => [m.title, m.read]), [['代表已答复', false], ['建议已受理', false]]);
  assert.ok(notices.data.items[1].lines.includes('办理状态：办理中'), notices.data.items[1].lines.join(' | '));
  await notices.open(event({ id: notices.data.items[0].id }));
  assert.equal(citizen.wx.lastNavigation().url, `/pages/suggestion/detail?id=${item.id}`);
  assert.equal(notices.data.unread, 1);

  // The citizen rates.
  const again = await citizen.open('pages/suggestion/detail', { id: String(item.id) });
  assert.equal(again.data.canRate, true);
  assert.equal(again.data.item.reply_content, '交警大队已于今日修复信号灯，感谢您的反映。');
  assert.equal(again.data.item.implemented_label, '已落实');
  again.onSatisfactionChange(event({}, 'satisfied'));
  again.onCommentInput(event({}, '修得很快'));
  const rated = await again.rate();
  assert.equal(rated.status, 'closed');
  assert.equal(again.data.canRate, false);
  assert.equal(again.data.item.satisfactionText, '满意');
  const actions = again.data.item.timeline.map((e) => e.action);
  for (const step of ['accept', 'progress', 'forward', 'feedback', 'supervise', 'reply', 'rate']) {
    assert.ok(actions.includes(step), `timeline has ${step}: ${actions}`);
  }
  // The citizen sees where it was forwarded, under which numbers, and how the deputy judged the answers.
  assert.deepEqual(again.data.item.workOrders.map((w) => [w.department, w.work_order_no, w.satisfaction_label]),
    [['12345 热线人大代表通道', 'RX20260501001', '不满意'], ['市公安局交警支队', null, '满意']]);

  // No error was shown to either of them along the way.
  assert.deepEqual(citizen.wx.modals, []);
  assert.deepEqual(deputy.wx.modals, []);

  // A step the workflow does not allow: the server's 409 sentence reaches the user.
  again.onSatisfactionChange(event({}, 'dissatisfied'));
  again.onCommentInput(event({}, '还是不亮'));
  assert.equal(await again.rate(), null);
  const shown = citizen.wx.toasts.concat(citizen.wx.modals);
  assert.ok(shown.some((m) => /[\u4e00-\u9fa5]/.test(m) && m !== '感谢您的评价'), shown.join(' | '));
  assert.equal(again.data.item.status, 'closed');

  // Opening the item (to rate it) read the notice about it still unread: the home page counts none.
  await home.onShow();
  assert.equal(home.data.unread, 0);
});

test('a deputy sorts the inbox 按期限 and finds the item a citizen calls about by its last digits, never another deputy\'s', LIMIT, async () => {
  const deputies = await http(backend.baseUrl, 'GET', '/deputies?per_page=100', undefined, admin);
  const huang = deputies.items.find((d) => d.phone === INBOX_PHONE);
  const zhou = deputies.items.find((d) => d.phone === '13800000009');
  const citizenToken = (await http(backend.baseUrl, 'POST', '/auth/wechat', { code: 'citizen-inbox' })).token;
  const fileTo = (deputy, content) => http(backend.baseUrl, 'POST', '/suggestions',
    { qr_code: deputy.qr_code, category: '城市管理', content }, citizenToken);
  const first = await fileTo(huang, '中方镇老街的路灯坏了好几盏，晚上看不清路。');
  const second = await fileTo(huang, '镇卫生院门口的人行道砖块松动，老人容易绊倒。');
  const third = await fileTo(huang, '菜市场旁边的垃圾桶满了没人清理，气味很大。');
  const elsewhere = await fileTo(zhou, '中方镇中学门口上下学时段车辆乱停。');

  const deputy = phoneFor('deputy-inbox');
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-' + INBOX_PHONE, errMsg: 'getPhoneNumber:ok' } });
  const inbox = await deputy.follow();
  const shown = () => inbox.data.items.map((i) => i.id);
  assert.equal(inbox.route, 'pages/inbox/inbox');
  assert.deepEqual(shown(), [third.id, second.id, first.id], '待接单, newest first');

  // 按期限: the one to accept first on top — the first filed, its 24 hours running out first.
  await inbox.switchSort(event({ key: 'due' }));
  assert.deepEqual(shown(), [first.id, second.id, third.id]);

  // A citizen calls and reads out the last digits of the number; the deputy accepted that item meanwhile,
  // so it is no longer in 待接单: the search finds it among all of the deputy's items.
  await inbox.accept(event({ id: second.id }));
  inbox.onKeywordInput(event({}, second.number.slice(-4)));
  await inbox.search();
  assert.deepEqual(inbox.data.items.map((i) => [i.id, i.status_label]), [[second.id, '办理中']]);
  inbox.onKeywordInput(event({}, second.number.toLowerCase().replace(/-/g, ' ')));
  await inbox.search();
  assert.deepEqual(shown(), [second.id], 'the whole number, however it is typed');
  inbox.onKeywordInput(event({}, '垃圾桶'));
  await inbox.search();
  assert.deepEqual(shown(), [third.id], 'or words of it');
  // Another deputy's item is not found, by its number or its words.
  for (const typed of [elsewhere.number, elsewhere.number.slice(-4), '乱停']) {
    inbox.onKeywordInput(event({}, typed));
    await inbox.search();
    assert.deepEqual([shown(), inbox.data.loading, inbox.data.error], [[], false, ''], typed);
  }

  await inbox.clearSearch();
  assert.deepEqual([inbox.data.tab, inbox.data.sort, shown()], ['assigned', 'due', [first.id, third.id]]);
  assert.deepEqual(deputy.wx.modals.concat(deputy.wx.toasts), ['已绑定代表身份', '已接单'], 'no error on the way');
});

test('a revoked code opens the page with its sentence', LIMIT, async () => {
  const deputies = await http(backend.baseUrl, 'GET', '/deputies?per_page=100', undefined, admin);
  const other = deputies.items.find((d) => d.phone === '13800000004');
  await http(backend.baseUrl, 'POST', `/qr/${other.qr_code}/revoke`, {}, admin);

  const citizen = phoneFor('citizen-revoked');
  await citizen.open('pages/scan/scan', { scene: other.qr_code });
  assert.match(citizen.wx.lastNavigation().url, /^\/pages\/unavailable\/unavailable\?status=410&message=/);
  const page = await citizen.follow();
  assert.equal(page.data.title, '二维码已停用');
  assert.ok(page.data.message.length > 5, page.data.message);
  assert.deepEqual(citizen.wx.toasts, [], 'the page explains it, not a toast');
});

// --- 2. the check-in-to-points loop --------------------------------------------------------------------

test('a deputy accepts an activity, checks in by scanning the station code, and sees the points after closing', LIMIT, async () => {
  const station = await http(backend.baseUrl, 'GET', '/stations/1', undefined, admin);
  const now = Date.now();
  const activity = await http(backend.baseUrl, 'POST', '/activities', {
    title: '城北联络站接待选民日',
    type: 'reception',
    station_id: 1,
    // Ended a few minutes ago, check-in still open: over before the later tests' activities of 陈明 begin (a
    // deputy is checked in to one activity at a time).
    starts_at: new Date(now - 40 * 60 * 1000).toISOString(),
    ends_at: new Date(now - 11 * 60 * 1000).toISOString(),
    deputy_ids: [checkinDeputy.id],
    points: 5,
  }, admin);

  const deputy = phoneFor('deputy-y', { latitude: station.lat + 0.0003, longitude: station.lng - 0.0002 });
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-' + CHECKIN_PHONE } });
  assert.equal(bind.data.isDeputy, true);

  // 接单
  const list = await deputy.open('pages/activities/activities');
  assert.deepEqual(list.data.items.map((a) => [a.id, a.my_status]), [[activity.id, 'invited']]);
  assert.equal(list.data.items[0].myStatusLabel, '待接单');
  await list.accept(event({ id: activity.id }));
  assert.equal(list.data.items[0].my_status, 'accepted');
  assert.equal(list.data.items[0].myStatusLabel, '已接单');

  // 扫码签到 from the check-in page: wx.scanCode gives the printed link; wx.getLocation the place.
  const checkin = await deputy.open('pages/checkin/checkin');
  assert.equal(checkin.data.status, 'idle');
  deputy.wx.queue.scan.push({ result: `${backend.publicBaseUrl}/q/${station.qr_code}`, scanType: 'QR_CODE', charSet: 'UTF-8' });
  const out = await checkin.scan();
  assert.equal(out.activity_id, activity.id);
  assert.equal(checkin.data.status, 'done');
  assert.equal(checkin.data.result.title, '城北联络站接待选民日');
  const post = deputy.wx.requests.find((r) => /\/api\/v1\/checkins$/.test(r.url));
  assert.ok(post.header['Idempotency-Key']);
  assert.equal(post.data.qr_code, station.qr_code);
  assert.ok(Math.abs(post.data.lat - station.lat) < 0.001 && Math.abs(post.data.lng - station.lng) < 0.001);

  // The same code through WeChat's scan entry: a deputy at a station code is routed to check-in, and
  // scanning again answers with the first check-in.
  const scan = await deputy.open('pages/scan/scan', { q: encodeURIComponent(`${backend.publicBaseUrl}/q/${station.qr_code}`) });
  assert.ok(scan);
  assert.match(deputy.wx.lastNavigation().url, /^\/pages\/checkin\/checkin\?code=/);
  const again = await deputy.follow();
  assert.equal(again.data.status, 'done');
  assert.equal(again.data.result.activityId, activity.id);

  const detail = await deputy.open('pages/activity/detail', { id: String(activity.id) });
  assert.equal(detail.data.activity.my_status, 'checked_in');

  // 结单 by the administrator: the check-in turns into points.
  const closed = await http(backend.baseUrl, 'POST', `/activities/${activity.id}/close`, {}, admin);
  assert.equal(closed.summary.checked_in, 1);

  const points = await deputy.open('pages/points/points');
  assert.equal(points.data.isDeputy, true);
  assert.equal(points.data.total, 5);
  assert.ok(points.data.rank >= 1);
  assert.equal(points.data.entries.length, 1);
  assert.match(points.data.entries[0].reason, /城北联络站接待选民日/);

  const archive = await deputy.open('pages/archive/archive');
  const reception = archive.data.archive.activities.find((a) => a.type === 'reception');
  assert.equal(reception.checked_in, 1);
  assert.equal(archive.data.archive.points.total, 5);
  assert.equal(archive.data.empty, false);
  assert.equal(archive.data.gradeText, '差（按当前积分）', 'the default bands: 5 points this year is 差 so far');

  const board = await deputy.open('pages/leaderboard/leaderboard');
  const mine = board.data.rows.find((r) => r.deputy.id === checkinDeputy.id);
  assert.equal(mine.deputy.name, '陈明');
  assert.equal(mine.points, 5);
  assert.equal(board.data.myDeputyId, checkinDeputy.id);

  assert.deepEqual(deputy.wx.modals, [], 'no error on the way');
});

test('a check-in with nothing to check in to shows the server sentence; a citizen cannot check in', LIMIT, async () => {
  // Station 3 has no activity.
  const other = await http(backend.baseUrl, 'GET', '/stations/3', undefined, admin);
  const deputy = phoneFor('deputy-y', null); // the deputy bound above, who refuses the location
  await deputy.launch();
  const page = await deputy.open('pages/checkin/checkin', { code: other.qr_code });
  assert.equal(page.data.status, 'failed');
  assert.match(page.data.message, /没有需要签到的活动/);
  assert.ok(deputy.wx.modals.concat(deputy.wx.toasts).some((m) => /没有需要签到的活动/.test(m)), 'message shown');
  const post = deputy.wx.requests.find((r) => /\/api\/v1\/checkins$/.test(r.url));
  assert.equal(post.data.lat, undefined, 'no location: none sent');

  const citizen = phoneFor('citizen-checkin');
  const citizenPage = await citizen.open('pages/checkin/checkin', { code: other.qr_code });
  assert.equal(citizenPage.data.status, 'failed');
  assert.match(citizenPage.data.message, /绑定代表身份/);
});

test('a deputy refused at an activity\'s screen code is asked to scan anew, and no card opens empty', LIMIT, async () => {
  // An activity at station 3 to which 陈明 (bound above) is not invited; its screen shows the rotating code.
  const now = Date.now();
  const activity = await http(backend.baseUrl, 'POST', '/activities', {
    title: '代表小组学习', type: 'reception', station_id: 3,
    starts_at: new Date(now - 10 * 60 * 1000).toISOString(), ends_at: new Date(now + 3600 * 1000).toISOString(),
    deputy_ids: [deputyRecord.id], points: 2,
  }, admin);
  const screen = await http(backend.baseUrl, 'GET', `/activities/${activity.id}/checkin-code`, undefined, admin);
  const deputy = phoneFor('deputy-y', null);
  await deputy.launch();
  await deputy.open('pages/scan/scan', { scene: screen.qr_code });
  assert.match(deputy.wx.lastNavigation().url, /^\/pages\/checkin\/checkin\?code=/);
  const checkin = await deputy.follow();
  assert.equal(checkin.data.status, 'failed');
  assert.equal(checkin.data.message, '您不在本次活动的邀请名单中，不能签到。');
  assert.equal(checkin.data.canRetry, false, 'the screen\'s code is gone in a minute: a new scan, not 重试');
  assert.equal(checkin.data.canViewStation, false, 'an activity\'s code has no station card');
  // The card the scan entry's answer is at hand for says what the code is.
  const card = await deputy.open('pages/card/card', { code: screen.qr_code });
  assert.equal(card.data.error, '这是活动签到码，只用于受邀代表到场签到，不能查看名片或提建议。');
  assert.equal(card.data.kind, '');

  // A forged screen code: the page that says so.
  await deputy.open('pages/scan/scan', { scene: 'a' + 'b'.repeat(26) });
  const unknown = await deputy.follow();
  assert.equal(unknown.route, 'pages/unavailable/unavailable');
  assert.equal(unknown.data.message, '签到码无效。');
});

test('without the location a station code does not check in (去设置 is offered); the screen code does', LIMIT, async () => {
  const now = Date.now();
  const activity = await http(backend.baseUrl, 'POST', '/activities', {
    title: '城北联络站代表小组活动', type: 'reception', station_id: 1,
    starts_at: new Date(now - 10 * 60 * 1000).toISOString(), ends_at: new Date(now + 3600 * 1000).toISOString(),
    deputy_ids: [checkinDeputy.id], points: 2,
  }, admin);
  const station = await http(backend.baseUrl, 'GET', '/stations/1', undefined, admin);
  const deputy = phoneFor('deputy-y', null); // 陈明, bound above, who refuses the location
  await deputy.launch();
  const page = await deputy.open('pages/checkin/checkin', { code: station.qr_code });
  assert.equal(page.data.status, 'failed');
  assert.equal(page.data.message, '请开启手机定位后重新扫码签到（签到需确认您在活动现场）。');
  assert.equal(page.data.canOpenSetting, true);
  assert.ok(!deputy.wx.toasts.concat(deputy.wx.modals).some((m) => /仅按时间/.test(m)));
  let detail = await http(backend.baseUrl, 'GET', `/activities/${activity.id}`, undefined, admin);
  assert.equal(detail.participants[0].status, 'invited', 'not checked in');

  // The screen at the venue: its code proves presence without the location.
  const screen = await http(backend.baseUrl, 'GET', `/activities/${activity.id}/checkin-code`, undefined, admin);
  await deputy.open('pages/scan/scan', { scene: screen.qr_code });
  const checkin = await deputy.follow();
  assert.equal(checkin.data.status, 'done');
  assert.equal(checkin.data.result.title, '城北联络站代表小组活动');
  detail = await http(backend.baseUrl, 'GET', `/activities/${activity.id}`, undefined, admin);
  assert.deepEqual([detail.participants[0].status, detail.participants[0].checkin_note], ['checked_in', '现场码签到']);
  await http(backend.baseUrl, 'POST', `/activities/${activity.id}/cancel`, { reason: '测试结束', void_checkins: true }, admin);
});

test('揭榜: two deputies of the town find its research topic in 可揭榜; the first takes its one place, the second is told it is gone', LIMIT, async () => {
  const stations = await http(backend.baseUrl, 'GET', '/stations?per_page=100', undefined, admin);
  const town = stations.items.find((st) => st.name === '中方镇人大代表联络站');
  assert.ok(town, 'demo station of 中方镇');
  const now = Date.now();
  const topic = await http(backend.baseUrl, 'POST', '/activities', {
    title: '农村饮水安全情况调研', type: 'research', station_id: town.id,
    starts_at: new Date(now + 48 * 3600 * 1000).toISOString(), ends_at: new Date(now + 51 * 3600 * 1000).toISOString(),
    deputy_ids: [], open_slots: 1,
  }, admin);

  const [first, second] = await Promise.all(CLAIM_PHONES.map(async (number, i) => {
    const deputy = phoneFor('deputy-claim-' + i, null);
    await deputy.launch();
    const bind = await deputy.open('pages/bind/bind');
    await bind.onGetPhoneNumber({ detail: { code: 'phone-' + number } });
    assert.equal(bind.data.isDeputy, true);
    return deputy;
  }));

  // Both find it in 可揭榜 with its place free; 孙娜 opens it.
  const firstList = await first.open('pages/activities/activities', { tab: 'open' });
  const offered = firstList.data.items.find((a) => a.id === topic.id);
  assert.deepEqual([offered.slotsText, offered.claimNote, offered.canClaim], ['已揭榜 0 / 1', '', true]);
  const secondPage = await second.open('pages/activity/detail', { id: String(topic.id) });
  assert.deepEqual([secondPage.data.activity.slotsText, secondPage.data.activity.canClaim], ['已揭榜 0 / 1', true]);

  // 周涛 claims it from the list.
  await firstList.claim(event({ id: topic.id }));
  const claimed = firstList.data.items.find((a) => a.id === topic.id);
  assert.deepEqual([claimed.myStatusLabel, claimed.slotsText, claimed.claimNote, claimed.canClaim],
    ['已接单', '已揭榜 1 / 1', '您已揭榜', false]);
  assert.equal(first.wx.toasts.at(-1), '揭榜成功');
  const post = first.wx.requests.find((r) => r.url.endsWith(`/api/v1/activities/${topic.id}/claim`));
  assert.match(post.header['Idempotency-Key'], /^mp-/);
  await firstList.switchTab(event({ key: 'mine' }));
  assert.deepEqual(firstList.data.items.filter((a) => a.id === topic.id).map((a) => a.myStatusLabel), ['已接单']);

  // 孙娜's page still offers 揭榜: the server refuses, in its words, and the page shows the place gone.
  await secondPage.claim();
  assert.deepEqual(second.wx.toasts, ['已绑定代表身份', '揭榜名额已满（共 1 个）。']);
  const gone = secondPage.data.activity;
  assert.deepEqual([gone.slotsText, gone.claimNote, gone.canClaim, gone.myStatusLabel], ['已揭榜 1 / 1', '名额已满', false, '']);
  const secondList = await second.open('pages/activities/activities', { tab: 'open' });
  const full = secondList.data.items.find((a) => a.id === topic.id);
  assert.deepEqual([full.claimNote, full.canClaim], ['名额已满', false]);

  // The administrator sees 周涛 on the list.
  const seen = await http(backend.baseUrl, 'GET', `/activities/${topic.id}`, undefined, admin);
  assert.deepEqual(seen.participants.map((p) => [p.deputy.name, p.status]), [['周涛', 'accepted']]);
  assert.deepEqual(first.wx.modals.concat(second.wx.modals), [], 'no error on the way');
});

test('调研清单: a deputy takes a published topic with a colleague found by name and reports; returned, resubmitted, accepted', LIMIT, async () => {
  const created = await http(backend.baseUrl, 'POST', '/research/topics', {
    title: '优化营商环境专题调研', theme: '产业发展', description: '围绕企业开办、审批提速开展调研。', max_teams: 2,
  }, admin);
  await http(backend.baseUrl, 'POST', `/research/topics/${created.id}/publish`, {}, admin);

  const deputy = phoneFor('deputy-research', null);
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-' + RESEARCH_PHONE } });
  assert.equal(bind.data.isDeputy, true);

  // 调研清单 lists it as open; the topic's page offers 领题.
  const list = await deputy.open('pages/research/topics');
  const listed = list.data.items.find((t) => t.id === created.id);
  assert.deepEqual([listed.title, listed.theme, listed.takenText, listed.note], ['优化营商环境专题调研', '产业发展', '已领 0/2 团队', '可领题']);
  await list.open(event({ id: created.id }));
  const topicPage = await deputy.follow();
  assert.equal(topicPage.route, 'pages/research/topic');
  assert.equal(topicPage.data.topic.can_take, true);
  await topicPage.onGroupName({ detail: { value: '鹤城区第一代表小组' } });
  // 吴静 found by name among the colleagues who may join (no phone given), and named on the team.
  await topicPage.onMemberKeyword({ detail: { value: '吴静' } });
  await topicPage.searchMembers();
  assert.deepEqual(topicPage.data.candidates.map((c) => [c.name, c.level_label, Object.keys(c).includes('phone')]),
    [['吴静', '县（区）人大代表', false]]);
  await topicPage.addMember(event({ id: topicPage.data.candidates[0].id }));
  await topicPage.take();
  assert.ok(deputy.wx.toasts.includes('领题成功'));
  const teamPage = await deputy.follow();
  assert.equal(teamPage.route, 'pages/research/team');
  const teamId = teamPage.data.team.id;
  assert.deepEqual([teamPage.data.team.name, teamPage.data.team.reportText, teamPage.data.team.canSubmit],
    ['鹤城区第一代表小组', '未提交', true]);
  assert.equal(teamPage.data.team.membersText, '刘芳（牵头）、吴静');
  assert.equal(teamPage.data.topic.title, '优化营商环境专题调研');

  // The report, with a photo through POST /uploads.
  const photo = writePng(path.join(tmp, 'research-site.png'), 32, 24);
  deputy.wx.queue.media.push({ tempFiles: [{ tempFilePath: photo, size: fs.statSync(photo).size, fileType: 'image' }] });
  await teamPage.choosePhotos();
  assert.equal(teamPage.data.photos[0].status, 'done');
  await teamPage.onTitle({ detail: { value: '关于优化营商环境的调研报告' } });
  await teamPage.onBody({ detail: { value: '一、基本情况。' } });
  await teamPage.submit();
  assert.ok(deputy.wx.toasts.includes('已提交'));
  assert.deepEqual([teamPage.data.team.report.stateText, teamPage.data.team.canSubmit, teamPage.data.team.canAbandon],
    ['待审核', false, false]);
  const post = deputy.wx.requests.find((r) => r.url.endsWith(`/api/v1/research/teams/${teamId}/report`));
  assert.match(post.header['Idempotency-Key'], /^mp-/);
  const again = await deputy.open('pages/research/topics');
  const mine = again.data.items.find((t) => t.id === created.id);
  assert.deepEqual([mine.takenText, mine.note], ['已领 1/2 团队', '已在团队中']);

  // 退回修改 by the administrator: the lead reads the reason and resubmits from the form filled with the report.
  const submitted = await http(backend.baseUrl, 'GET', `/research/teams/${teamId}`, undefined, admin);
  assert.equal(submitted.report.photos.length, 1);
  await http(backend.baseUrl, 'POST', `/research/reports/${submitted.report.id}/return`, { reason: '请补充企业走访数据。' }, admin);
  // The notice (调研课题进展通知) in 消息 opens the team's page.
  const messages = await deputy.open('pages/messages/messages');
  const notice = messages.data.items.find((m) => m.page === `pages/research/team?id=${teamId}`);
  assert.ok(notice, 'the return is in 消息 with the team\'s page');
  assert.ok(notice.lines.some((l) => l.includes('退回修改')), notice.lines.join(' / '));
  await messages.open(event({ id: notice.id }));
  const returned = await deputy.follow();
  assert.equal(returned.route, 'pages/research/team');
  assert.deepEqual([returned.data.team.report.stateText, returned.data.team.report.return_reason, returned.data.team.canSubmit],
    ['退回修改', '请补充企业走访数据。', true]);
  assert.equal(returned.data.title, '关于优化营商环境的调研报告');
  assert.equal(returned.data.photos.length, 1, 'the photo carried over');
  await returned.onBody({ detail: { value: '一、基本情况。二、走访了 12 家企业。' } });
  await returned.submit();
  assert.deepEqual([returned.data.team.report.stateText, returned.data.team.report.round], ['待审核', 2]);

  // 审核通过: 已通过 in 我的调研, on the team's page and in the archive.
  await http(backend.baseUrl, 'POST', `/research/reports/${submitted.report.id}/accept`, {}, admin);
  const accepted = await http(backend.baseUrl, 'GET', `/research/teams/${teamId}`, undefined, admin);
  assert.deepEqual([accepted.report.body, accepted.report.photos.length], ['一、基本情况。二、走访了 12 家企业。', 1]);
  const myResearch = await deputy.open('pages/research/mine');
  const row = myResearch.data.items.find((t) => t.id === teamId);
  assert.deepEqual([row.topic.title, row.roleText, row.reportText], ['优化营商环境专题调研', '牵头', '已通过']);
  const finalPage = await deputy.open('pages/research/team', { id: String(teamId) });
  assert.deepEqual([finalPage.data.team.report.stateText, finalPage.data.team.canSubmit], ['已通过', false]);
  const archive = await deputy.open('pages/archive/archive');
  const line = archive.data.research.lines.find((l) => l.topic === '优化营商环境专题调研');
  assert.deepEqual([line.role, line.stateText], ['牵头', '已通过']);
  assert.deepEqual(deputy.wx.modals, [], 'no error on the way');
});

// --- 3. 约见代表 ----------------------------------------------------------------------------------------

test('a citizen asks to meet a deputy at a suggested time; the deputy confirms; the citizen sees when and where', LIMIT, async () => {
  const deputies = await http(backend.baseUrl, 'GET', '/deputies?per_page=100', undefined, admin);
  const yang = deputies.items.find((d) => d.phone === APPOINTMENT_PHONE);
  assert.ok(yang && yang.qr_code, 'demo deputy with a code');

  // The citizen scans her printed code; the card offers 约见代表.
  const citizen = phoneFor('citizen-appointment');
  await citizen.open('pages/scan/scan', { q: encodeURIComponent(`${backend.publicBaseUrl}/q/${yang.qr_code}`) });
  const card = await citizen.follow();
  assert.equal(card.data.target.name, yang.name);
  assert.equal(card.data.canAppoint, true);
  assert.ok(Array.isArray(card.data.days), 'the reception plan comes with the code');
  card.requestAppointment();
  const form = await citizen.follow();
  assert.equal(form.route, 'pages/appointment/new');
  assert.equal(form.data.targetName, yang.name);

  form.onTopicInput(event({}, '想当面反映小区加装电梯的困难'));
  form.onNameInput(event({}, '王先生'));
  form.onPhoneInput(event({}, '13912345678'));
  form.onChoiceChange(event({}, 'other'));
  form.onPreferredInput(event({}, '下周二上午'));
  const asked = await form.submit();
  assert.ok(asked && asked.id, 'asked');
  assert.equal(asked.status_label, '待确认');
  assert.equal(asked.deputy.name, yang.name);
  assert.deepEqual(asked.actions, ['cancel']);
  const post = citizen.wx.requests.find((r) => /\/api\/v1\/appointments$/.test(r.url));
  assert.ok(post.header['Idempotency-Key']);
  assert.deepEqual(citizen.wx.calls.requestSubscribeMessage.pop().tmplIds, ['tmpl-appointment-result']);
  assert.equal(await form.send().then((again) => again.id), asked.id, 'the same key asks nothing new');

  const waiting = await citizen.follow(); // redirectTo the appointment
  assert.equal(waiting.route, 'pages/appointment/detail');
  assert.equal(waiting.data.item.status_label, '待确认');
  assert.equal(waiting.data.item.requestedText, '下周二上午');
  assert.equal(waiting.data.item.canCancel, true);
  assert.equal(waiting.data.handler, false);

  // The deputy binds by phone and finds it in 约见我的 (待确认).
  const deputy = phoneFor('deputy-appointment');
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-' + APPOINTMENT_PHONE } });
  assert.equal(bind.data.isDeputy, true);
  const list = await deputy.open('pages/appointments/appointments', { scope: 'handling' });
  assert.equal(list.data.tab, 'requested');
  assert.deepEqual(list.data.items.map((a) => [a.id, a.name, a.status_label]), [[asked.id, '王先生', '待确认']]);
  await list.subscribe();
  assert.deepEqual(deputy.wx.calls.requestSubscribeMessage.pop().tmplIds, ['tmpl-appointment']);
  list.open(event({ id: asked.id }));
  const handle = await deputy.follow();
  assert.equal(handle.data.handler, true);
  assert.equal(handle.data.item.contact_phone, '13912345678', 'the deputy sees the number to call back');
  assert.equal(handle.data.item.canConfirm, true);
  assert.equal(handle.data.item.canComplete, true, 'a citizen who walks in is marked received at once');

  // 确认: the day after tomorrow at 10:00 China time; the place left blank for the station's.
  const day = new Date(Date.now() + 2 * 24 * 3600 * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 10);
  handle.onDateChange(event({}, day));
  handle.onTimeChange(event({}, '10:00'));
  handle.onFormInput(event({ field: 'note' }, '请携带小区居民的联名材料'));
  const confirmed = await handle.confirm();
  assert.equal(confirmed.status, 'confirmed');
  assert.equal(handle.data.item.meetText, `${day} 10:00`);
  assert.ok(handle.data.item.place, 'the default place');
  assert.equal(handle.data.item.canComplete, true);
  await list.onShow();
  assert.deepEqual(list.data.items, [], 'no longer waiting');

  // The citizen sees 已确认 with the time and the place, in the list and on the page.
  const mine = await citizen.open('pages/appointments/appointments', { scope: 'mine' });
  assert.deepEqual(mine.data.items.map((a) => [a.id, a.status_label, a.meetText]), [[asked.id, '已确认', `${day} 10:00`]]);
  const seen = await citizen.open('pages/appointment/detail', { id: String(asked.id) });
  assert.equal(seen.data.item.status_label, '已确认');
  assert.equal(seen.data.item.meetText, `${day} 10:00`);
  assert.equal(seen.data.item.place, confirmed.place);
  assert.match(seen.data.item.place, new RegExp(confirmed.station.name));
  assert.equal(seen.data.item.answer, '请携带小区居民的联名材料');
  assert.equal(seen.data.item.canCancel, true);
  const station = await http(backend.baseUrl, 'GET', `/stations/${confirmed.station.id}`);
  assert.equal(!!seen.data.stationLocation, typeof station.lat === 'number', '查看地图 where the station has coordinates');

  assert.deepEqual(citizen.wx.modals, [], 'no error on the way');
  assert.deepEqual(deputy.wx.modals, []);
});

// --- 4. 找站点 ---------------------------------------------------------------------------------------------

test('a citizen finds the nearest station, opens its card and has 导航 to it; without the location, by name', LIMIT, async () => {
  // About 90 m from 迎丰街道人大代表之家 (27.5502, 110.0031 in the demo data), as wx.getLocation's gcj02 gives it.
  const citizen = phoneFor('citizen-nearby', { latitude: 27.5510, longitude: 110.0030 });
  const home = await citizen.open('pages/index/index');
  home.go(event({ url: '/pages/nearby/nearby' }));
  const nearby = await citizen.follow();
  assert.equal(nearby.data.located, true);
  assert.deepEqual(nearby.data.items.map((s) => s.name), [
    '迎丰街道人大代表之家', '城北街道人大代表中心联络站', '红星社区代表联络点', '中方镇人大代表联络站',
  ]);
  const [nearest, second] = nearby.data.items;
  assert.ok(nearest.distance_m < 150, String(nearest.distance_m));
  assert.match(nearest.distanceText, /^\d+ 米$/);
  assert.match(second.distanceText, /^1\.\d 公里$/);
  assert.equal(nearest.open_hours, '每月 10 日 9:00–12:00');

  nearby.navigate(event({ index: 0 }));
  const map = citizen.wx.calls.openLocation[0];
  assert.deepEqual([map.latitude, map.longitude, map.name, map.address], [27.5502, 110.0031, nearest.name, '鹤城区迎丰中路 66 号']);

  // The station's printed code is public: the list opens the same card a scan opens.
  assert.ok(nearest.qr_code, 'the station has its code');
  nearby.open(event({ index: 0 }));
  const card = await citizen.follow();
  assert.equal(card.route, 'pages/card/card');
  assert.equal(card.data.kind, 'station');
  assert.equal(card.data.target.name, '迎丰街道人大代表之家');
  assert.equal(card.data.canFile, true);
  assert.equal(card.data.canAppoint, true);
  assert.ok(card.data.target.deputies.length > 0, 'its deputies');
  card.fileSuggestion();
  assert.match(citizen.wx.lastNavigation().url, new RegExp('^/pages/file/file\\?code=' + nearest.qr_code + '&'));

  // Refused: the page says why; a search by name finds the station anyway.
  const refuser = phoneFor('citizen-nearby-refused', null);
  const refused = await refuser.open('pages/nearby/nearby');
  assert.equal(refused.data.canOpenSetting, true);
  assert.match(refused.data.problem, /未获得位置权限/);
  refused.onKeywordInput(event({}, '城北'));
  await refused.search();
  assert.deepEqual(refused.data.items.map((s) => [s.name, s.distanceText]), [['城北街道人大代表中心联络站', '']]);

  // Abroad (a traveller in Anchorage): the stations all the same, nearest first by the distances shown.
  const traveller = phoneFor('citizen-nearby-abroad', { latitude: 61.2181, longitude: -149.9003 });
  const abroad = await traveller.open('pages/nearby/nearby');
  assert.equal(abroad.data.located, true);
  assert.equal(abroad.data.problem, '');
  const far = abroad.data.items.map((s) => s.distance_m);
  assert.equal(far.length, 4);
  assert.deepEqual(far, far.slice().sort((a, b) => a - b));
  assert.ok(abroad.data.items.every((s) => /^\d{4} 公里$/.test(s.distanceText)), abroad.data.items.map((s) => s.distanceText).join());

  assert.deepEqual(citizen.wx.modals.concat(refuser.wx.modals, traveller.wx.modals), [], 'no error on the way');
});

test('民生实事 · 我要下单 from a village station\'s card: the congresses nearest it first, no village; the proposal lands', LIMIT, async () => {
  const citizen = phoneFor('citizen-livelihood');
  await citizen.launch();
  const stations = await http(backend.baseUrl, 'GET', '/stations?q=' + encodeURIComponent('红星社区'), undefined);
  const point = stations.items[0];
  assert.equal(point.name, '红星社区代表联络点');
  const scan = await citizen.open('pages/scan/scan', { scene: point.qr_code });
  assert.ok(scan);
  const card = await citizen.follow();
  assert.equal(card.data.target.name, '红星社区代表联络点');
  card.proposeLivelihood();
  const form = await citizen.follow();
  assert.equal(form.route, 'pages/livelihood/propose');
  // 红星社区 has no congress, nor has 城北街道 above it (a 街道): its district first, then the regions above
  // it, then its neighbours (迎丰街道 not among them).
  assert.deepEqual(form.data.regions.map((r) => r.name), ['鹤城区', '怀化市', '湖南省', '中方县', '中方镇']);
  assert.equal(form.data.moreRegions, false);
  await form.onRegion({ detail: { value: '0' } });
  await form.onTitle({ detail: { value: '红星社区增设充电桩' } });
  await form.onContent({ detail: { value: '小区电动车充电难，希望增设集中充电桩。' } });
  await form.submit();
  const mine = await citizen.follow();
  assert.equal(mine.route, 'pages/livelihood/proposals');
  assert.deepEqual(mine.data.items.map((p) => [p.region_name, p.title, p.status_label]), [
    ['鹤城区', '红星社区增设充电桩', '待处理']]);
  assert.deepEqual(citizen.wx.modals, [], 'no error on the way');
});

// --- 6. lost answers and a deputy who left office ------------------------------------------------------

// The next request to a URL matching `pattern` reaches the server, and its answer is lost on the way back.
function loseNextAnswer(phone, pattern) {
  const transport = phone.wx.transport;
  const original = transport.request;
  transport.request = async (o) => {
    if (!pattern.test(o.url)) return original(o);
    transport.request = original;
    await original(o);
    throw new Error('the answer was lost');
  };
}

test('answers lost on 接单, 记录进展 and 评价: the second tap is taken once, with no refusal; a deputy who left office loses the deputy pages', LIMIT, async () => {
  const deputies = await http(backend.baseUrl, 'GET', '/deputies?per_page=100', undefined, admin);
  const record = deputies.items.find((d) => d.phone === '13800000002');
  assert.ok(record && record.qr_code && record.active);
  const citizen = phoneFor('citizen-lost-answers');
  await citizen.launch();
  const filed = await http(backend.baseUrl, 'POST', '/suggestions',
    { qr_code: record.qr_code, category: '其他', content: '小区门口的井盖松动，踩上去会响。' }, citizen.wx.getStorageSync('msb_token'));

  const deputy = phoneFor('deputy-lost-answers');
  await deputy.launch();
  const bind = await deputy.open('pages/bind/bind');
  await bind.onGetPhoneNumber({ detail: { code: 'phone-13800000002' } });
  const home = await deputy.open('pages/index/index');
  assert.equal(home.data.isDeputy, true);
  const inbox = await deputy.open('pages/inbox/inbox');
  assert.ok(inbox.data.items.some((i) => i.id === filed.id));
  loseNextAnswer(deputy, /\/accept$/);
  await inbox.accept(event({ id: filed.id }));
  assert.deepEqual(deputy.wx.modals, ['网络连接失败，请检查网络后重试。']);
  await inbox.accept(event({ id: filed.id }));
  assert.ok(!inbox.data.items.some((i) => i.id === filed.id), 'accepted: no longer waiting');
  assert.deepEqual(deputy.wx.modals, ['网络连接失败，请检查网络后重试。'], 'no 不能接单');

  const handle = await deputy.open('pages/suggestion/detail', { id: String(filed.id) });
  handle.onFormInput(event({ field: 'note' }, '已联系物业，明天更换井盖。'));
  loseNextAnswer(deputy, /\/progress$/);
  await handle.addProgress();
  await handle.addProgress();
  handle.onFormInput(event({ field: 'reply' }, '物业已更换井盖。'));
  handle.onOutcomeChange(event({}, 'true'));
  await handle.reply();
  assert.equal(deputy.wx.modals.length, 2, deputy.wx.modals.join(' | '));

  const mine = await citizen.open('pages/suggestion/detail', { id: String(filed.id) });
  assert.equal(mine.data.canRate, true);
  assert.deepEqual(mine.data.item.timeline.filter((e) => e.action === 'progress').map((e) => e.note),
    ['已联系物业，明天更换井盖。'], 'the note retried is on the timeline once');
  mine.onSatisfactionChange(event({}, 'satisfied'));
  loseNextAnswer(citizen, /\/rate$/);
  await mine.rate();
  assert.equal(mine.data.canRate, true);
  await mine.rate();
  assert.deepEqual(citizen.wx.modals, ['网络连接失败，请检查网络后重试。'], 'no 不能评价');
  assert.equal(mine.data.canRate, false);
  assert.equal(mine.data.item.status, 'closed');
  assert.equal(mine.data.item.timeline.filter((e) => e.action === 'rate').length, 1);

  // The deputy leaves office: the next deputy request refused reads the roles, and the pages follow them.
  await http(backend.baseUrl, 'PATCH', `/deputies/${record.id}`, { active: false }, admin);
  await inbox.onShow();
  assert.equal(inbox.data.isDeputy, false, '请先绑定代表身份');
  assert.equal(home.data.isDeputy, false, 'the home page drops the deputy menu');
  assert.match(deputy.wx.modals.at(-1), /代表身份已解除/);
  assert.deepEqual(deputy.wx.getStorageSync('msb_user').roles, ['citizen']);
});
