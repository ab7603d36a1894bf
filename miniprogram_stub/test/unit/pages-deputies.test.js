// 进站代表 with a wx stand-in: a large station's card names the first deputies its code carries and counts
// them all; 查看全部 opens the whole roster, paged, found by name; a small station's card has no such link.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json } = require('../support/unit');

const ROSTER = Array.from({ length: 45 }, (_, i) => ({
  id: 100 + i, name: '代表' + String(i + 1).padStart(2, '0'), level: 'county', level_label: '县（区）人大代表',
}));

function stationQr(deputies, total) {
  return {
    kind: 'station', code: 'sta1', url: 'https://msb.example.cn/q/sta1', actions: ['file_suggestion', 'view_deputies'],
    target: { id: 1, name: '城北街道人大代表中心联络站', kind_label: '中心联络站', deputies, deputy_ids: deputies.map((d) => d.id),
      deputies_total: total },
  };
}

// GET /deputies as the API answers it: the station's deputies in the roster's order, `q` filters names.
function routes(qr) {
  const state = { queries: [] };
  return {
    state,
    routes: {
      'GET /api/v1/qr/sta1': () => json(200, qr),
      'GET /api/v1/deputies': (req) => {
        state.queries.push(req.query);
        const items = ROSTER.filter((d) => !req.query.q || d.name.indexOf(req.query.q) >= 0);
        const page = Number(req.query.page || 1);
        const perPage = Number(req.query.per_page || 20);
        return json(200, { items: items.slice((page - 1) * perPage, page * perPage), total: items.length, page, per_page: perPage });
      },
    },
  };
}

test('card: a large station names its first 20 deputies, counts them all and 查看全部 pages through them, by name too', async () => {
  const { routes: r, state } = routes(stationQr(ROSTER.slice(0, 20), 45));
  const { phone, wx } = unitPhone(r);
  const card = await phone.open('pages/card/card', { code: 'sta1' });
  assert.equal(card.data.target.deputies.length, 20);
  assert.equal(card.data.moreDeputies, true);
  card.allDeputies();
  assert.equal(wx.lastNavigation().url,
    '/pages/deputies/deputies?station_id=1&name=' + encodeURIComponent('城北街道人大代表中心联络站'));

  const roster = await phone.follow();
  assert.equal(roster.data.stationName, '城北街道人大代表中心联络站');
  assert.deepEqual(state.queries[0], { station_id: '1', page: '1', per_page: '20' });
  assert.equal(roster.data.items.length, 20);
  assert.equal(roster.data.total, 45);
  assert.equal(roster.data.hasMore, true);
  await roster.onReachBottom();
  await roster.onReachBottom();
  assert.deepEqual(roster.data.items.map((d) => d.name), ROSTER.map((d) => d.name), 'all 45, once each, in order');
  assert.equal(roster.data.hasMore, false);

  roster.onKeywordInput({ detail: { value: ' 代表37 ' } });
  await roster.search();
  assert.deepEqual(state.queries[state.queries.length - 1], { station_id: '1', q: '代表37', page: '1', per_page: '20' });
  assert.deepEqual(roster.data.items.map((d) => d.name), ['代表37']);
  assert.equal(roster.data.searched, '代表37');
  roster.onKeywordInput({ detail: { value: '王五' } });
  await roster.search();
  assert.deepEqual(roster.data.items, []);
  assert.equal(roster.data.total, 0);
  await roster.clearSearch();
  assert.equal(roster.data.items.length, 20);
  assert.equal(roster.data.total, 45);
});

test('card: a station whose code names every deputy (or an older server without deputies_total) has no 查看全部', async () => {
  for (const qr of [stationQr(ROSTER.slice(0, 3), 3), stationQr(ROSTER.slice(0, 3), undefined)]) {
    const { routes: r } = routes(qr);
    const { phone } = unitPhone(r);
    const card = await phone.open('pages/card/card', { code: 'sta1' });
    assert.equal(card.data.target.deputies.length, 3);
    assert.equal(card.data.moreDeputies, false);
  }
});
