// The user's roles read again from GET /me: when the app or the home page shows (at most once a minute), and
// at once when a deputy's request is refused (403).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');

const { unitPhone, json, error, suggestion, CITIZEN, DEPUTY } = require('../support/unit');
const { ROOT } = require('../support/harness');

// --- roles ----------------------------------------------------------------------------------------

// A phone that signed in as a deputy earlier (token and user stored), and a server that now says `now`.
function deputyPhone(routes, now) {
  const seen = { me: 0 };
  const unit = unitPhone(Object.assign({
    'GET /api/v1/me': () => { seen.me += 1; return json(200, now()); },
    'GET /api/v1/me/messages/unread-count': () => json(200, { unread: 0 }),
  }, routes), { user: DEPUTY });
  unit.wx.setStorageSync('msb_token', 'token-old');
  unit.wx.setStorageSync('msb_user', DEPUTY);
  return Object.assign(unit, { seen });
}

const NO_LONGER = Object.assign({}, DEPUTY, { roles: ['citizen'], deputy_id: null });

test('home: the roles are read again when it shows, at most once a minute; a deputy no more loses the deputy menu', async () => {
  let now = DEPUTY;
  const { phone, wx, seen } = deputyPhone({}, () => now);
  await phone.launch();
  const home = await phone.open('pages/index/index');
  assert.equal(seen.me, 1, 'a stored sign-in is checked once');
  assert.equal(home.data.isDeputy, true);
  await phone.app.onShow();
  await home.onShow();
  assert.equal(seen.me, 1, 'not again within the minute');

  now = NO_LONGER; // left office, or the number bound from another account
  const realNow = Date.now;
  Date.now = () => realNow() + 61 * 1000;
  try {
    await home.onShow();
  } finally {
    Date.now = realNow;
  }
  assert.equal(seen.me, 2);
  assert.equal(home.data.isDeputy, false, 'the 绑定代表身份 card in place of the deputy menu');
  assert.deepEqual(wx.getStorageSync('msb_user'), NO_LONGER);
  assert.deepEqual(phone.app.globalData.user, NO_LONGER);
  const bind = await phone.open('pages/bind/bind');
  assert.equal(bind.data.isDeputy, false, 'the bind page offers binding again');
});

test('a deputy\'s page refused with 403 reads the roles at once: 请先绑定代表身份, and the home page drops the deputy menu', async () => {
  let now = DEPUTY;
  const { phone, wx, seen } = deputyPhone({
    'GET /api/v1/suggestions': () => (now === DEPUTY
      ? json(200, { items: [suggestion()], total: 1, page: 1, per_page: 20 })
      : error(403, 'forbidden', '只有代表可以查看交办给自己的建议。')),
  }, () => now);
  const home = await phone.open('pages/index/index');
  assert.equal(home.data.isDeputy, true);
  const inbox = await phone.open('pages/inbox/inbox');
  assert.equal(inbox.data.items.length, 1);
  now = NO_LONGER;
  await inbox.onShow();
  assert.equal(seen.me, 2, 'the 403 asked GET /me at once');
  assert.equal(inbox.data.isDeputy, false, 'the page shows 请先绑定代表身份');
  assert.equal(home.data.isDeputy, false, 'the home page below it too');
  assert.equal(wx.modals.length, 1);
  assert.match(wx.modals[0], /代表身份已解除或已在其他微信上绑定/);
  assert.doesNotMatch(wx.modals[0], /只有代表可以查看/);
});

test('a 403 to a deputy still in office is the page\'s own refusal, after one look at the roles', async () => {
  const { phone, wx, seen } = deputyPhone({
    'GET /api/v1/me/personal-data': () => error(403, 'forbidden', '代表的信息由人大工作人员维护，请联系所在联络站。'),
  }, () => DEPUTY);
  await phone.launch();
  const api = phone.load(path.join(ROOT, 'utils', 'api.js'));
  await assert.rejects(api.personalData(), (err) => err.status === 403 && /人大工作人员维护/.test(err.message));
  assert.equal(seen.me, 1, 'the 403 looked at the roles');
  assert.deepEqual(wx.getStorageSync('msb_user'), DEPUTY);
  assert.deepEqual(wx.modals, [], 'quiet: the page explains it');
});

test('a citizen\'s 403 asks nothing more', async () => {
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => error(403, 'forbidden', '只有代表可以查看交办给自己的建议。'),
  }, { user: CITIZEN });
  const api = phone.load(path.join(ROOT, 'utils', 'api.js'));
  await assert.rejects(api.suggestions({ scope: 'assigned' }));
  assert.equal(wx.requests.filter((r) => /\/me$/.test(r.url)).length, 0);
});
