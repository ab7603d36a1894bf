// 附近联络站 with a wx stand-in: the home page leads there; the stations nearest to the citizen's gcj02
// location, paged, with their distance; 导航 on WeChat's map; a station opens its card through its code;
// a refused location says why, offers 去设置, and the search by name still works.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');

const { unitPhone, json } = require('../support/unit');
const { event, until, ROOT } = require('../support/harness');

const HERE = { latitude: 27.5505, longitude: 110.0028 };

function station(id, overrides) {
  return Object.assign({
    id, name: '联络站' + id, kind: 'center', kind_label: '中心联络站', region_id: 3, region_name: '鹤城区',
    address: '人民路 ' + id + ' 号', lat: 27.55 + id / 1000, lng: 110.0, open_hours: '', description: '',
    deputy_ids: [], admin_user_ids: [], qr_code: 'sta' + id, distance_m: 100 * id,
  }, overrides);
}

// GET /stations as the API answers it: `near` orders by distance (here: the ids' order), `q` filters names.
function stationRoutes(all) {
  const state = { queries: [] };
  const routes = {
    'GET /api/v1/stations': (req) => {
      state.queries.push(req.query);
      let items = all.filter((s) => !req.query.q || s.name.indexOf(req.query.q) >= 0 || s.address.indexOf(req.query.q) >= 0);
      if (!req.query.near) items = items.map((s) => Object.assign({}, s, { distance_m: undefined }));
      const page = Number(req.query.page || 1);
      const perPage = Number(req.query.per_page || 20);
      return json(200, { items: items.slice((page - 1) * perPage, page * perPage), total: items.length, page, per_page: perPage });
    },
  };
  return { routes, state };
}

test('home: 查找附近联络站 is there for everyone and opens the page', async () => {
  const { phone, wx } = unitPhone({});
  const index = await phone.open('pages/index/index');
  index.go(event({ url: '/pages/nearby/nearby' }));
  assert.equal(wx.lastNavigation().url, '/pages/nearby/nearby');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/index/index.wxml'), 'utf8');
  const hero = wxml.split('</view>\n\n')[0];
  assert.match(hero, /data-url="\/pages\/nearby\/nearby">查找附近联络站</, 'in the card everyone sees, before signing in');
});

test('nearby: the stations nearest the gcj02 location, with distances, paged; 导航 and the card', async () => {
  const all = [
    station(1, { name: '迎丰街道人大代表之家', distance_m: 350, open_hours: '每月 10 日 9:00–12:00' }),
    station(2, { name: '城北街道人大代表中心联络站', distance_m: 1234 }),
    station(3, { name: '坐标待补联络点', lat: null, lng: null, distance_m: null, qr_code: null, open_hours: '每周三下午' }),
  ].concat(Array.from({ length: 22 }, (_, i) => station(10 + i, { distance_m: 5000 + i * 1000 })));
  const { routes, state } = stationRoutes(all);
  const { phone, wx } = unitPhone(routes, { location: HERE });
  const page = await phone.open('pages/nearby/nearby');

  assert.deepEqual(wx.calls.getLocation.map((o) => o.type), ['gcj02'], 'the system stations are kept in');
  assert.deepEqual(state.queries[0], { near: '27.550500,110.002800', page: '1', per_page: '20' });
  assert.equal(page.data.located, true);
  assert.equal(page.data.problem, '');
  assert.equal(page.data.items.length, 20);
  assert.deepEqual(page.data.items.slice(0, 3).map((s) => [s.name, s.distanceText]), [
    ['迎丰街道人大代表之家', '350 米'], ['城北街道人大代表中心联络站', '1.2 公里'], ['坐标待补联络点', ''],
  ]);
  assert.equal(page.data.items[0].open_hours, '每月 10 日 9:00–12:00');
  assert.equal(page.data.hasMore, true);

  await page.onReachBottom();
  assert.deepEqual(state.queries[1], { near: '27.550500,110.002800', page: '2', per_page: '20' });
  assert.equal(page.data.items.length, 25);
  assert.equal(page.data.hasMore, false);

  // 导航: WeChat's map at the station, with its name and address.
  page.navigate(event({ index: 0 }));
  const opened = wx.calls.openLocation[0];
  assert.deepEqual([opened.latitude, opened.longitude, opened.name, opened.address],
    [all[0].lat, all[0].lng, '迎丰街道人大代表之家', '人民路 1 号']);
  page.navigate(event({ index: 2 }));
  assert.equal(wx.calls.openLocation.length, 1, 'no 导航 without coordinates');
  assert.equal(page.data.items[2].canNavigate, false);

  // The station opens the card a scan of its code opens: 提建议, 约见代表.
  page.open(event({ index: 1 }));
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=sta2');
  // A station whose code is withdrawn: its details, and why there is no card.
  page.open(event({ index: 2 }));
  const modal = wx.calls.showModal[0];
  assert.equal(modal.title, '坐标待补联络点');
  assert.match(modal.content, /暂未启用二维码/);
  assert.match(modal.content, /地址：人民路 3 号\n接待时间：每周三下午/);
  assert.equal(wx.navigations.length, 1);
});

test('nearby: a search keeps the order by distance; clearing it lists them all again', async () => {
  const { routes, state } = stationRoutes([station(1, { name: '迎丰街道人大代表之家' }), station(2, { name: '城北街道人大代表中心联络站' })]);
  const { phone } = unitPhone(routes, { location: HERE });
  const page = await phone.open('pages/nearby/nearby');
  page.onKeywordInput(event({}, ' 城北 '));
  await page.search();
  assert.deepEqual(state.queries[1], { near: '27.550500,110.002800', q: '城北', page: '1', per_page: '20' });
  assert.deepEqual(page.data.items.map((s) => s.name), ['城北街道人大代表中心联络站']);
  assert.equal(page.data.searched, '城北');
  await page.clearSearch();
  assert.equal(page.data.items.length, 2);
  page.onKeywordInput(event({}, '没有这个站'));
  await page.search();
  assert.deepEqual(page.data.items, []);
  assert.equal(page.data.loading, false);
});

test('nearby: a refused location says why, offers 去设置 and the search; allowing it there lists the nearest', async () => {
  const { routes, state } = stationRoutes([station(1, { name: '迎丰街道人大代表之家' }), station(2, { name: '城北街道人大代表中心联络站' })]);
  const { phone, wx } = unitPhone(routes, { location: null });
  const page = await phone.open('pages/nearby/nearby');
  assert.equal(page.data.located, false);
  assert.equal(page.data.canOpenSetting, true);
  assert.match(page.data.problem, /^未获得位置权限，无法查找附近的联络站。/);
  assert.match(page.data.problem, /去设置/);
  assert.deepEqual(page.data.items, []);
  assert.equal(state.queries.length, 0, 'no list before a location or a search');
  assert.deepEqual(wx.toasts.concat(wx.modals), [], 'said on the page, not in a modal');

  // The search works without the location.
  page.onKeywordInput(event({}, '迎丰'));
  await page.search();
  assert.deepEqual(state.queries[0], { q: '迎丰', page: '1', per_page: '20' });
  assert.deepEqual(page.data.items.map((s) => [s.name, s.distanceText]), [['迎丰街道人大代表之家', '']]);

  // 去设置 and back without allowing it: nothing changes.
  await page.openSettings();
  assert.equal(wx.calls.openSetting.length, 1);
  assert.equal(page.data.located, false);
  assert.equal(wx.calls.getLocation.length, 1);

  // Allowed there: the nearest, still within the search.
  wx.authSetting = { 'scope.userLocation': true };
  wx.location = HERE;
  await page.openSettings();
  assert.equal(page.data.located, true);
  assert.equal(page.data.problem, '');
  assert.deepEqual(state.queries[state.queries.length - 1], { near: '27.550500,110.002800', q: '迎丰', page: '1', per_page: '20' });
  assert.equal(page.data.items[0].distanceText, '100 米');
});

test('nearby: location off on the phone is not a refusal: no 去设置, 重新定位 tries again', async () => {
  const { routes } = stationRoutes([station(1)]);
  const { phone, wx } = unitPhone(routes, { location: null });
  wx.locationError = 'getLocation:fail system permission denied';
  const page = await phone.open('pages/nearby/nearby');
  assert.equal(page.data.canOpenSetting, false);
  assert.match(page.data.problem, /^未能获取您的位置，请确认手机已开启定位/);
  wx.location = HERE;
  await page.onPullDownRefresh();
  assert.equal(page.data.located, true);
  assert.equal(page.data.items.length, 1);
  assert.equal(wx.calls.stopPullDownRefresh.length, 1);
});

// A promise the test settles by hand: an answer held back until a later one has arrived.
function held() {
  let release;
  const promise = new Promise((resolve) => { release = resolve; });
  return { promise, release };
}

test('nearby: an earlier search answering after a later one does not replace its results', async () => {
  const { routes, state } = stationRoutes([station(1, { name: '迎丰街道人大代表之家' }), station(2, { name: '城北街道人大代表中心联络站' })]);
  const slow = held();
  const list = routes['GET /api/v1/stations'];
  routes['GET /api/v1/stations'] = (req) => (req.query.q === '城北' ? slow.promise.then(() => list(req)) : list(req));
  const { phone } = unitPhone(routes, { location: HERE });
  const page = await phone.open('pages/nearby/nearby');
  page.onKeywordInput(event({}, '城北'));
  const first = page.search();
  page.onKeywordInput(event({}, '迎丰'));
  await page.search();
  assert.deepEqual(page.data.items.map((s) => s.name), ['迎丰街道人大代表之家']);
  slow.release();
  await first;
  assert.equal(state.queries.length, 3);
  assert.deepEqual(page.data.items.map((s) => s.name), ['迎丰街道人大代表之家'], 'the late 城北 answer is dropped');
  assert.equal(page.data.searched, '迎丰');
  assert.equal(page.data.loading, false);
});

test('nearby: a search cleared while it is on its way leaves nothing listed when it answers', async () => {
  const { routes } = stationRoutes([station(1, { name: '迎丰街道人大代表之家' })]);
  const slow = held();
  const list = routes['GET /api/v1/stations'];
  routes['GET /api/v1/stations'] = (req) => slow.promise.then(() => list(req));
  const { phone } = unitPhone(routes, { location: null });
  const page = await phone.open('pages/nearby/nearby');
  page.onKeywordInput(event({}, '迎丰'));
  const searching = page.search();
  await page.clearSearch(); // no location, no search: nothing to list
  assert.deepEqual(page.data.items, []);
  slow.release();
  await searching;
  assert.deepEqual(page.data.items, [], 'the late answer to the cleared search is dropped');
  assert.equal(page.data.searched, '');
  assert.equal(page.data.loading, false);
});

test('nearby: a location found late (or refused late) does not replace the one found after it', async () => {
  const THERE = { latitude: 28.2001, longitude: 112.9702 };
  const { routes, state } = stationRoutes([station(1), station(2)]);
  const { phone, wx } = unitPhone(routes, { location: HERE });
  const firstFix = held();
  wx.location = () => firstFix.promise; // the phone is slow to find itself as the page opens
  const opening = phone.open('pages/nearby/nearby');
  await until(() => phone.current() && phone.current().data.locating, 'the page to be locating');
  const page = phone.current();
  // The citizen pulls down meanwhile, and this time the phone answers at once, elsewhere.
  wx.location = THERE;
  await page.onPullDownRefresh();
  assert.deepEqual(state.queries.map((q) => q.near), ['28.200100,112.970200']);
  assert.equal(wx.calls.stopPullDownRefresh.length, 1);
  // The first fix arrives at last, from where the citizen was: it changes nothing.
  firstFix.release(HERE);
  await opening;
  assert.deepEqual(state.queries.map((q) => q.near), ['28.200100,112.970200'], 'the stale place is not listed');
  assert.equal(page.data.located, true);
  assert.equal(page.data.locating, false);
  assert.equal(page.data.loading, false);
  assert.equal(page.data.items.length, 2);

  // A refusal that comes late does not undo a location found after it either.
  const lateRefusal = held();
  wx.location = () => lateRefusal.promise;
  const relocating = page.locate();
  wx.location = HERE;
  await page.locate();
  lateRefusal.release(null);
  await relocating;
  assert.equal(page.data.located, true);
  assert.equal(page.data.problem, '');
  assert.equal(state.queries.at(-1).near, '27.550500,110.002800');
  assert.equal(page.data.items.length, 2);
});
