// utils/api.js against a wx stand-in: login and token renewal, Idempotency-Key, errors shown.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');

const { unitPhone, json, error, CITIZEN } = require('../support/unit');
const { ROOT } = require('../support/harness');

function apiOf(phone) {
  return phone.load(path.join(ROOT, 'utils', 'api.js'));
}

test('logs in once with wx.login for requests made together, keeps the token and sends it', async () => {
  const seen = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/me': (req) => { seen.push(req.header.Authorization); return json(200, CITIZEN); },
    'GET /api/v1/suggestions/categories': (req) => { seen.push(req.header.Authorization); return json(200, { categories: ['其他'] }); },
  }, { loginCode: 'abc' });
  const api = apiOf(phone);
  await Promise.all([api.me(), api.categories(), api.me()]);
  assert.equal(wx.calls.login.length, 1, 'one wx.login');
  assert.equal(wx.requests.filter((r) => /auth\/wechat/.test(r.url)).length, 1);
  assert.deepEqual(wx.requests[0].data, { code: 'abc' });
  assert.equal(wx.getStorageSync('msb_token'), 'token-1-abc');
  assert.deepEqual(wx.getStorageSync('msb_user'), CITIZEN);
  assert.deepEqual(seen, ['Bearer token-1-abc', 'Bearer token-1-abc', 'Bearer token-1-abc']);
});

test('a 401 logs in again and repeats the request once, with the same Idempotency-Key', async () => {
  const posts = [];
  const { phone, wx } = unitPhone({
    'POST /api/v1/suggestions': (req) => {
      posts.push(req.header);
      return req.header.Authorization === 'Bearer stale' ? error(401, 'unauthorized', '登录已过期，请重新登录。')
        : json(201, { id: 5, number: 'MSB-1', status: 'assigned' });
    },
  }, { loginCode: ['first', 'second'] });
  wx.setStorageSync('msb_token', 'stale');
  wx.setStorageSync('msb_user', CITIZEN);
  const api = apiOf(phone);
  const item = await api.fileSuggestion({ qr_code: 'x', category: '其他', content: 'y' }, 'key-1');
  assert.equal(item.id, 5);
  assert.equal(posts.length, 2);
  assert.equal(posts[1].Authorization, 'Bearer token-1-first');
  assert.equal(posts[0]['Idempotency-Key'], 'key-1');
  assert.equal(posts[1]['Idempotency-Key'], 'key-1');
  assert.deepEqual(wx.toasts.concat(wx.modals), [], 'the renewal is silent');
});

test('requests refused together with an expired token share one new login, however late their 401 arrives', async () => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const answer = (req, data) => (req.header.Authorization === 'Bearer stale' ? error(401, 'unauthorized', '登录已过期，请重新登录。') : json(200, data));
  const { phone, wx } = unitPhone({
    'GET /api/v1/me': (req) => answer(req, CITIZEN),
    // Sent with the expired token too, its 401 comes back only after the first request has logged in again.
    'GET /api/v1/suggestions/categories': (req) => (req.header.Authorization === 'Bearer stale'
      ? held.then(() => answer(req)) : answer(req, { categories: ['其他'] })),
  }, { loginCode: ['first', 'second'] });
  wx.setStorageSync('msb_token', 'stale');
  wx.setStorageSync('msb_user', CITIZEN);
  const api = apiOf(phone);
  const slow = api.categories();
  assert.deepEqual(await api.me(), CITIZEN);
  release();
  assert.deepEqual(await slow, { categories: ['其他'] });
  assert.equal(wx.calls.login.length, 1, 'one wx.login');
  assert.equal(wx.requests.filter((r) => /auth\/wechat/.test(r.url)).length, 1);
  assert.equal(wx.getStorageSync('msb_token'), 'token-1-first');
  assert.deepEqual(wx.toasts.concat(wx.modals), []);
});

test('a request refused while the new login is still on its way waits for it and is sent with the new token', async () => {
  let releaseLogin;
  const loginHeld = new Promise((resolve) => { releaseLogin = resolve; });
  let logins = 0;
  const answer = (req, data) => (/^Bearer token-/.test(req.header.Authorization) ? json(200, data)
    : error(401, 'unauthorized', '登录凭证格式不正确，请重新登录。'));
  const { phone, wx } = unitPhone({
    // The new login is held until both requests have been refused with the expired token.
    'POST /api/v1/auth/wechat': (req) => loginHeld.then(() => {
      logins += 1;
      return json(200, { token: 'token-' + logins + '-' + req.data.code, user: CITIZEN });
    }),
    'GET /api/v1/me': (req) => answer(req, CITIZEN),
    'GET /api/v1/suggestions/categories': (req) => answer(req, { categories: ['其他'] }),
  }, { loginCode: ['first', 'second'] });
  wx.setStorageSync('msb_token', 'stale');
  wx.setStorageSync('msb_user', CITIZEN);
  const api = apiOf(phone);
  const both = Promise.all([api.me(), api.categories()]);
  while (wx.requests.filter((r) => /Bearer stale/.test(r.header.Authorization)).length < 2) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  releaseLogin();
  assert.deepEqual(await both, [CITIZEN, { categories: ['其他'] }]);
  assert.equal(wx.calls.login.length, 1, 'one wx.login');
  assert.deepEqual(wx.requests.filter((r) => !/auth\/wechat/.test(r.url)).map((r) => r.header.Authorization).sort(),
    ['Bearer stale', 'Bearer stale', 'Bearer token-1-first', 'Bearer token-1-first']);
  assert.deepEqual(wx.toasts.concat(wx.modals), []);
});

test('a second 401 is not retried forever: the message is shown', async () => {
  let calls = 0;
  const { phone, wx } = unitPhone({
    'GET /api/v1/me': () => { calls += 1; return error(401, 'unauthorized', '登录已过期'); },
  });
  const api = apiOf(phone);
  await assert.rejects(api.me(), (err) => err.status === 401 && err.code === 'unauthorized');
  assert.equal(calls, 2);
  assert.deepEqual(wx.toasts, ['登录已过期']);
});

test('the contract message is shown: short in a toast, long in a modal; quiet statuses are left to the page', async () => {
  const { phone, wx } = unitPhone({
    'POST /api/v1/suggestions/3/accept': () => error(409, 'invalid_transition', '当前状态不能接单。'),
    'POST /api/v1/suggestions/3/reply': () => error(422, 'validation_failed', '请填写答复内容，答复将直接发送给提出建议的群众。',
      { content: ['不能为空。'] }),
    'GET /api/v1/qr/gone': () => error(410, 'qr_revoked', '该代表已不再履职，二维码已停用。'),
  });
  const api = apiOf(phone);
  await assert.rejects(api.suggestionAction(3, 'accept'), { status: 409, code: 'invalid_transition' });
  await assert.rejects(api.suggestionAction(3, 'reply', { content: '' }), (err) => {
    assert.deepEqual(err.errors, { content: ['不能为空。'] });
    return true;
  });
  await assert.rejects(api.resolveQr('gone'), { status: 410, message: '该代表已不再履职，二维码已停用。' });
  assert.deepEqual(wx.toasts, ['当前状态不能接单。']);
  assert.deepEqual(wx.modals, ['请填写答复内容，答复将直接发送给提出建议的群众。']);
});

test('a network failure or a non-JSON error page still tells the user something', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/leaderboard': () => { throw new Error('offline'); },
    'GET /api/v1/me': () => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }),
  });
  const api = apiOf(phone);
  await assert.rejects(api.leaderboard({}), { status: 0, code: 'network_error' });
  await assert.rejects(api.me(), { status: 502 });
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  assert.deepEqual(wx.toasts, ['服务暂时不可用，请稍后重试。']);
});

test('wx.login failing is reported', async () => {
  const { phone, wx } = unitPhone({}, { loginCode: '' });
  const api = apiOf(phone);
  await assert.rejects(api.me(), { code: 'wx_login_failed' });
  assert.deepEqual(wx.toasts.concat(wx.modals), ['微信登录失败，请稍后重试。']);
});

test('Idempotency-Key on every creating request and only there', async () => {
  const headers = {};
  const keep = (name, res) => (req) => { headers[name] = req.header; return res; };
  const { phone, wx } = unitPhone({
    'POST /api/v1/suggestions': keep('file', json(201, { id: 1 })),
    'POST /api/v1/checkins': keep('checkin', json(201, { activity_id: 1, checked_in_at: '2026-05-01T00:00:00+00:00' })),
    'POST /api/v1/uploads': keep('upload', json(201, { id: 9, url: '/api/v1/uploads/k.png', width: 1, height: 1 })),
    'POST /api/v1/suggestions/1/accept': keep('accept', json(200, { id: 1 })),
    'POST /api/v1/suggestions/1/follow': keep('follow', json(200, { id: 1, following: true })),
    'GET /api/v1/suggestions': keep('list', json(200, { items: [], total: 0, page: 1, per_page: 20 })),
  });
  const api = apiOf(phone);
  await api.fileSuggestion({}, api.newIdempotencyKey());
  await api.checkin({ qr_code: 'c' }, api.newIdempotencyKey());
  const uploaded = await api.uploadPhoto('/tmp/a.png');
  await api.suggestionAction(1, 'accept');
  await api.suggestionAction(1, 'follow');
  await api.suggestions({ scope: 'mine', status: '', page: 1 });
  for (const name of ['file', 'checkin', 'upload', 'accept']) assert.match(headers[name]['Idempotency-Key'], /^mp-[a-z0-9]+-[a-z0-9]{16}$/, name);
  assert.equal(headers.follow['Idempotency-Key'], undefined, '关注 is no step the server keys');
  assert.equal(headers.list['Idempotency-Key'], undefined);
  assert.equal(uploaded.id, 9, 'the upload answer (a string) is parsed');
  assert.equal(wx.calls.uploadFile[0].name, 'file');
  assert.ok(wx.requests.some((r) => r.url.endsWith('/api/v1/suggestions?scope=mine&page=1')), 'empty params left out');
  const keys = new Set([headers.file, headers.checkin, headers.upload, headers.accept].map((h) => h['Idempotency-Key']));
  assert.equal(keys.size, 4, 'a new key per action');
});

test('uploads renew the token too, and photos download with it', async () => {
  let uploads = 0;
  const { phone, wx } = unitPhone({
    'POST /api/v1/uploads': (req) => {
      uploads += 1;
      return req.header.Authorization === 'Bearer old' ? error(401, 'unauthorized', '请重新登录')
        : json(201, { id: 3, url: '/api/v1/uploads/k.png', width: 1, height: 1 });
    },
    'GET /api/v1/uploads/k.png': (req) => ({ statusCode: 200, tempFilePath: '/tmp/wx-' + req.header.Authorization.length }),
  });
  wx.setStorageSync('msb_token', 'old');
  wx.setStorageSync('msb_user', CITIZEN);
  const api = apiOf(phone);
  const out = await api.uploadPhoto('/tmp/p.png', 'photo-key');
  assert.equal(out.id, 3);
  assert.equal(uploads, 2);
  assert.deepEqual(wx.calls.uploadFile.map((u) => u.header['Idempotency-Key']), ['photo-key', 'photo-key']);
  const local = await api.downloadImage('/api/v1/uploads/k.png');
  assert.match(local, /^\/tmp\/wx-/);
  assert.equal(wx.calls.downloadFile[0].url, 'http://127.0.0.1:5000/api/v1/uploads/k.png');
});

test('the server address comes from config.js', async () => {
  const { phone, wx } = unitPhone({ 'GET /api/v1/me': () => json(200, CITIZEN) });
  phone.config().baseUrl = 'https://msb.example.cn/';
  await apiOf(phone).me();
  assert.equal(wx.requests[0].url, 'https://msb.example.cn/api/v1/auth/wechat');
  assert.equal(wx.requests[1].url, 'https://msb.example.cn/api/v1/me');
});

test('an administrator still on their initial password is told to change it in the console, on every request', async () => {
  const refused = () => error(403, 'password_change_required', '该账号的密码是他人设置的初始密码，请先修改密码后再使用。');
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': refused,
    'GET /api/v1/me/personal-data': refused,
  }, { user: CITIZEN });
  const api = apiOf(phone);
  const told = '您的账号还在使用他人设置的初始密码，请先在电脑上登录管理后台修改密码，再回到小程序使用。';
  await assert.rejects(api.suggestions({ scope: 'station' }),
    { status: 403, code: 'password_change_required', message: told });
  assert.deepEqual(wx.modals, [told]);
  // A page that explains its own 403s shows the same sentence.
  await assert.rejects(api.personalData(), { status: 403, code: 'password_change_required', message: told });
  assert.deepEqual(wx.modals, [told]);
  assert.deepEqual(wx.toasts, []);
});

test('another account signing in on this phone does not find the last one\'s 约见 contact phone', async () => {
  const { phone, wx } = unitPhone({ 'GET /api/v1/me': () => json(200, CITIZEN) }, { user: CITIZEN });
  const api = apiOf(phone);
  wx.setStorageSync('msb_user', CITIZEN);
  wx.setStorageSync('msb_appointment_phone', '13912345678');
  await api.login(); // the same account again: its number is still offered
  assert.equal(wx.getStorageSync('msb_appointment_phone'), '13912345678');
  wx.setStorageSync('msb_user', Object.assign({}, CITIZEN, { id: CITIZEN.id + 100 }));
  await api.login(); // a family member's account on the shared phone
  assert.equal(wx.getStorageSync('msb_appointment_phone'), '');
});
