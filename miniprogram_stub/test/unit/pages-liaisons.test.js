// 我的 (pages/mine) for a deputy: who keeps in touch with them (联系清单: 常委会组成人员 and 专门委员会), with
// their duty and congress and nobody's phone; a citizen's page asks nothing of it; a failure leaves it out.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');

const NO_SUGGESTIONS = () => json(200, { items: [], total: 0, page: 1, per_page: 20 });
const LIAISONS = {
  items: [
    { id: 3, name: '刘建国', kind: 'member', kind_label: '常委会组成人员', title: '常委会副主任', congress_name: '怀化市人大常委会' },
    { id: 5, name: '教育科学文化卫生委员会', kind: 'committee', kind_label: '专门委员会', title: '', congress_name: '怀化市人大常委会' },
  ],
  total: 2, page: 1, per_page: 50,
};

test('a deputy reads on 我的 who keeps in touch with them', async () => {
  const asked = [];
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': NO_SUGGESTIONS,
    'GET /api/v1/me/liaisons': (req) => {
      asked.push(req.query);
      return json(200, LIAISONS);
    },
  }, { user: DEPUTY });
  const mine = await phone.open('pages/mine/mine', {});
  const shown = await mine.loadLiaisons();
  assert.deepEqual(asked[0], { per_page: '50' });
  assert.deepEqual(shown.map((l) => [l.name, l.kindText, l.title, l.congress]), [
    ['刘建国', '常委会组成人员', '常委会副主任', '怀化市人大常委会'],
    ['教育科学文化卫生委员会', '专门委员会', '', '怀化市人大常委会'],
  ]);
  assert.equal(mine.data.liaisons.length, 2);
  assert.ok(!JSON.stringify(mine.data.liaisons).includes('phone'));
  const wxml = fs.readFileSync(path.join(__dirname, '../../pages/mine/mine.wxml'), 'utf8');
  assert.match(wxml, /联系我的常委会组成人员和专门委员会/);
  assert.match(wxml, /wx:for="\{\{liaisons\}\}"/);
});

test('a citizen is asked nothing about liaisons, and a refusal leaves the section out', async () => {
  let asked = 0;
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': NO_SUGGESTIONS,
    'GET /api/v1/me/liaisons': () => {
      asked += 1;
      return error(403, 'forbidden', '只有人大代表可以查看联系自己的常委会组成人员和专门委员会。');
    },
  });
  const mine = await phone.open('pages/mine/mine', {});
  assert.deepEqual(await mine.loadLiaisons(), []);
  assert.equal(asked, 0);

  const deputy = unitPhone({
    'GET /api/v1/suggestions': NO_SUGGESTIONS,
    'GET /api/v1/me/liaisons': () => error(500, 'internal_error', '服务器出了点问题，请稍后重试。'),
  }, { user: DEPUTY });
  const page = await deputy.phone.open('pages/mine/mine', {});
  assert.deepEqual(await page.loadLiaisons(), []);
  assert.deepEqual(page.data.liaisons, []);
  assert.equal(deputy.wx.calls.showToast ? deputy.wx.calls.showToast.length : 0, 0, 'no error toast for a side section');
});
