// The points year in China time, whatever the phone's zone; a deputy's own region's leaderboard and rank.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');

const { unitPhone, json, CITIZEN, DEPUTY } = require('../support/unit');
const { event, ROOT } = require('../support/harness');

// --- the points year ----------------------------------------------------------------------------------

test('points and archive open on the year in China time, whatever the phone\'s zone', async () => {
  const realNow = Date.now;
  const zone = process.env.TZ;
  // 2027-01-01 01:00 in Beijing; still 2026-12-31 in Los Angeles, where this phone is set.
  const newYear = Date.parse('2026-12-31T17:00:00Z');
  process.env.TZ = 'America/Los_Angeles';
  Date.now = () => newYear;
  const years = [];
  try {
    const { phone } = unitPhone({
      'GET /api/v1/deputies/7/points': (req) => { years.push(req.query.year); return json(200, { deputy_id: 7, year: 2027, total: 0, rank: null, entries: [] }); },
      'GET /api/v1/deputies/7/archive': (req) => {
        years.push(req.query.year);
        return json(200, { deputy: { id: 7, name: '张伟' }, year: 2027, activities: [],
          suggestions: { received: 0 }, points: { total: 0, rank: null, by_rule: [] } });
      },
    }, { user: DEPUTY });
    const format = phone.load(path.join(ROOT, 'utils', 'format.js'));
    assert.equal(format.chinaYear(), 2027);
    assert.equal(format.chinaYear(Date.parse('2026-12-31T15:59:59Z')), 2026);
    const points = await phone.open('pages/points/points');
    const archive = await phone.open('pages/archive/archive');
    assert.equal(points.data.year, 2027);
    assert.equal(archive.data.year, 2027);
  } finally {
    Date.now = realNow;
    if (zone === undefined) delete process.env.TZ; else process.env.TZ = zone;
  }
  assert.deepEqual(years, ['2027', '2027']);
});

// --- the leaderboard ----------------------------------------------------------------------------------

test('leaderboard: a deputy opens on their own region\'s board, may switch to all deputies, and reads their own rank', async () => {
  const boards = [];
  const { phone } = unitPhone({
    'GET /api/v1/deputies/7': () => json(200, { id: 7, name: '张伟', level: 'township', region_id: 31, region_name: '黄金坳镇' }),
    'GET /api/v1/deputies/7/points': (req) => {
      assert.equal(req.query.year, undefined, 'the server\'s current year, as the board\'s');
      return json(200, { deputy_id: 7, year: 2026, total: 8, rank: 1520, entries: [] });
    },
    'GET /api/v1/leaderboard': (req) => {
      boards.push(req.query);
      return json(200, req.query.region_id
        ? [{ rank: 1, deputy: { id: 7, name: '张伟', level: 'township' }, points: 8 }]
        : [{ rank: 1, deputy: { id: 3, name: '李建国', level: 'national' }, points: 90 }]);
    },
  }, { user: DEPUTY });
  const board = await phone.open('pages/leaderboard/leaderboard');
  assert.deepEqual(board.data.scopes.map((s) => s.label), ['黄金坳镇代表', '全部代表']);
  assert.equal(board.data.scope, 'region');
  assert.deepEqual(boards[0], { limit: '50', region_id: '31' });
  assert.deepEqual(board.data.rows.map((r) => r.deputy.name), ['张伟']);
  assert.equal(board.data.myText, '我的积分 8 分，在全部代表中排第 1520 名');

  await board.switchScope(event({ key: 'all' }));
  assert.deepEqual(boards[1], { limit: '50' });
  assert.deepEqual(board.data.rows.map((r) => r.deputy.name), ['李建国']);
  await board.onLevelChange(event({}, '5'));
  assert.deepEqual(boards[2], { level: 'township', limit: '50' }, 'the board chosen stays');
  await board.switchScope(event({ key: 'region' }));
  assert.deepEqual(boards[3], { level: 'township', limit: '50', region_id: '31' });
  await board.onShow();
  assert.equal(phone.wx.requests.filter((r) => /\/deputies\/7$/.test(r.url)).length, 1, 'the region is read once');

  // A deputy no more (GET /me said so meanwhile): the board of all deputies, and no rank of their own.
  phone.wx.setStorageSync('msb_user', CITIZEN);
  await board.onShow();
  assert.deepEqual(boards.at(-1), { level: 'township', limit: '50' });
  assert.deepEqual(board.data.scopes.map((s) => s.key), ['all']);
  assert.equal(board.data.myText, '');
});

test('leaderboard: a citizen sees the board of all deputies, with no switch and no rank of their own', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/leaderboard': () => json(200, [{ rank: 1, deputy: { id: 3, name: '李建国', level: 'national' }, points: 90 }]),
  }, { user: CITIZEN });
  const board = await phone.open('pages/leaderboard/leaderboard');
  assert.deepEqual(board.data.scopes.map((s) => s.key), ['all']);
  assert.equal(board.data.myText, '');
  assert.equal(phone.wx.requests.filter((r) => /\/deputies\//.test(r.url)).length, 0);
});
