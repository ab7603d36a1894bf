// A station administrator links their console account's reminders to this WeChat user (pages/link).
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error } = require('../support/unit');

const ACCOUNT = { id: 9, username: 'chengbei', display_name: '城北站管理员' };

test('link: a scanned code is sent after a tap, with overdue, supervision and research reminders asked for first', async () => {
  const bodies = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/me/admin-link': (req) => { bodies.push(req.data); return json(200, { account: ACCOUNT }); },
  });
  const page = await phone.open('pages/link/link', { scene: 'ABCDEFGHJKLM' });
  assert.equal(page.data.code, 'ABCDEFGHJKLM');
  assert.deepEqual(bodies, [], 'nothing is linked before the user confirms');

  assert.deepEqual(await page.confirm(), ACCOUNT);
  assert.deepEqual(bodies, [{ code: 'ABCDEFGHJKLM' }]);
  // 调研课题进展通知 too: a topic's administrators are told of each report waiting for review (待审核). WeChat asks
  // for at most three templates at a time.
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-overdue', 'tmpl-supervised', 'tmpl-research']);
  const asked = wx.order.find((call) => call.name === 'requestSubscribeMessage');
  const sent = wx.order.find((call) => call.name === 'request' && /admin-link/.test(call.url));
  assert.ok(asked.n < sent.n, 'consent is asked within the tap, before the network call');
  assert.deepEqual(page.data.account, ACCOUNT);
  assert.equal(page.data.subscribed, true);
  assert.deepEqual(wx.toasts, ['绑定成功']);
});

test('link: a double tap on 确认绑定 links once', async () => {
  const bodies = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/me/admin-link': (req) => { bodies.push(req.data); return json(200, { account: ACCOUNT }); },
  });
  const page = await phone.open('pages/link/link', { scene: 'ABCDEFGHJKLM' });
  await Promise.all([page.confirm(), page.confirm()]);
  assert.deepEqual(bodies, [{ code: 'ABCDEFGHJKLM' }]);
  assert.equal(wx.calls.requestSubscribeMessage.length, 1);
  assert.deepEqual(wx.toasts, ['绑定成功']);
  assert.deepEqual(page.data.account, ACCOUNT);
});

test('link: a typed code may have dashes and small letters; a malformed one is not sent', async () => {
  const bodies = [];
  const { phone } = unitPhone({
    'POST /api/v1/me/admin-link': (req) => { bodies.push(req.data); return json(200, { account: ACCOUNT }); },
  });
  const page = await phone.open('pages/link/link', {});
  assert.equal(page.data.code, '');
  page.onInput({ detail: { value: 'abcd-efg' } });
  assert.equal(await page.confirm(), null);
  assert.equal(page.data.error, '请输入管理后台显示的 12 位绑定码。');
  page.onInput({ detail: { value: 'abcd-efgh-jklm' } });
  assert.equal(page.data.error, '');
  await page.confirm();
  assert.deepEqual(bodies, [{ code: 'ABCDEFGHJKLM' }]);
});

test('link: an expired or used code shows the server\'s sentence on the page, not a toast', async () => {
  const { phone, wx } = unitPhone({
    'POST /api/v1/me/admin-link': () => error(422, 'validation_failed', '绑定码无效或已过期。',
      { code: ['绑定码无效或已过期，请在管理后台重新生成。'] }),
  });
  const page = await phone.open('pages/link/link', { scene: 'ABCDEFGHJKLM' });
  assert.equal(await page.confirm(), null);
  assert.equal(page.data.error, '绑定码无效或已过期。');
  assert.equal(page.data.linking, false);
  assert.equal(page.data.account, null);
  assert.deepEqual(wx.toasts, []);
  assert.deepEqual(wx.modals || [], []);
});

test('my suggestions page leads an administrator to the link page', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }),
  });
  const mine = await phone.open('pages/mine/mine');
  mine.linkAdmin();
  assert.equal(wx.lastNavigation().url, '/pages/link/link');
  const link = await phone.follow();
  assert.equal(link.data.code, '');
});

test('link: the console\'s code scanned with 扫一扫 inside the mini-program opens the link page, not 二维码无效', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/qr/ABCDEFGHJKLM': () => error(404, 'not_found', '二维码无效：没有找到对应的代表或联络站。'),
  });
  const home = await phone.open('pages/index/index');
  wx.queue.scan.push({ result: '*', path: 'pages/link/link?scene=ABCDEFGHJKLM', scanType: 'WX_CODE' });
  await home.scan();
  assert.equal(wx.lastNavigation().url, '/pages/link/link?scene=ABCDEFGHJKLM');
  const link = await phone.follow();
  assert.equal(link.data.code, 'ABCDEFGHJKLM');
  assert.ok(!wx.requests.some((r) => /\/qr\//.test(r.url)), 'not looked up as a deputy or station code');
});
