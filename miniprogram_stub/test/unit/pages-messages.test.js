// 消息 (pages/messages): every notice the server sent, newest first, unread ones marked; a tap marks it read and
// opens the page it is about; 全部已读; and the unread badge on the home page.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { unitPhone, json, error } = require('../support/unit');

const ROOT = path.join(__dirname, '..', '..');

function message(id, overrides) {
  return Object.assign({
    id, template: 'accepted', title: '建议已受理', page: 'pages/suggestion/detail?id=11', read: false,
    created_at: '2026-05-01T01:30:00+00:00',
    lines: [{ label: '建议编号', value: 'MSB-20260501-000011' }, { label: '办理状态', value: '办理中' }],
  }, overrides);
}

// The server's messages, as a store the routes read and mark.
function server(list) {
  const store = list.map((m) => Object.assign({}, m));
  const unread = () => store.filter((m) => !m.read).length;
  const marked = [];
  return {
    store, marked,
    routes: {
      'GET /api/v1/me/messages': (req) => {
        const page = Number(req.query.page);
        const perPage = Number(req.query.per_page);
        return json(200, { items: store.slice((page - 1) * perPage, page * perPage), total: store.length, page,
                           per_page: perPage, unread: unread() });
      },
      'GET /api/v1/me/messages/unread-count': () => json(200, { unread: unread() }),
      'POST /api/v1/me/messages/read': (req) => {
        marked.push(req.data);
        let read = 0;
        store.forEach((m) => {
          if (!m.read && (req.data.all || req.data.ids.includes(m.id))) { m.read = true; read += 1; }
        });
        return json(200, { read, unread: unread() });
      },
    },
  };
}

test('the list shows each message with its title, its lines and whether it is read', async () => {
  const s = server([
    message(2, { template: 'replied', title: '代表已答复', lines: [{ label: '提示', value: '代表已答复，请查看并评价' }] }),
    message(1, { read: true }),
  ]);
  const { phone } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  assert.equal(page.data.unread, 1);
  assert.deepEqual(page.data.items.map((m) => [m.id, m.title, m.read]), [[2, '代表已答复', false], [1, '建议已受理', true]]);
  assert.deepEqual(page.data.items[0].lines, ['提示：代表已答复，请查看并评价']);
  assert.deepEqual(page.data.items[1].lines, ['建议编号：MSB-20260501-000011', '办理状态：办理中']);
  assert.equal(page.data.items[0].createdText, '2026-05-01 09:30');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/messages/messages.wxml'), 'utf8');
  assert.match(wxml, /item\.read \? 'read' : 'unread'/);
  assert.match(wxml, /全部已读/);
  const appJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  assert.ok(appJson.pages.includes('pages/messages/messages'));
});

test('tapping an unread message marks it read and opens the page it is about', async () => {
  const s = server([message(2, { page: 'pages/activity/detail?id=5', title: '新的活动邀请' }), message(1)]);
  const { phone, wx } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  await page.open({ currentTarget: { dataset: { id: 2 } } });
  assert.deepEqual(s.marked, [{ ids: [2] }]);
  assert.equal(wx.lastNavigation().url, '/pages/activity/detail?id=5');
  assert.deepEqual(page.data.items.map((m) => m.read), [true, false]);
  assert.equal(page.data.unread, 1);
  const opened = await phone.follow();
  assert.equal(opened.route, 'pages/activity/detail');

  // A read one opens without asking the server again.
  await page.open({ currentTarget: { dataset: { id: 2 } } });
  assert.equal(s.marked.length, 1);
  assert.equal(wx.navigations.length, 2);
});

test('a message that cannot be marked read still opens its page', async () => {
  const s = server([message(1)]);
  s.routes['POST /api/v1/me/messages/read'] = () => error(500, 'internal_error', '服务器出了点问题，请稍后重试。');
  const { phone, wx } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  await page.open({ currentTarget: { dataset: { id: 1 } } });
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=11');
  assert.equal(page.data.items[0].read, false);
  assert.deepEqual([...wx.toasts, ...wx.modals], ['服务器出了点问题，请稍后重试。']);
});

test('全部已读 marks every message read, and the home page badge follows the count', async () => {
  const s = server([message(3), message(2), message(1, { read: true })]);
  const { phone } = unitPhone(s.routes);
  const home = await phone.open('pages/index/index');
  assert.equal(home.data.unread, 2);
  assert.equal(home.data.unreadText, '2');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/index/index.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{unread\}\}" class="badge">\{\{unreadText\}\}/);
  assert.match(wxml, /data-url="\/pages\/messages\/messages"/);

  const page = await phone.open('pages/messages/messages', {});
  await page.readAll();
  assert.deepEqual(s.marked, [{ all: true }]);
  assert.deepEqual(page.data.items.map((m) => m.read), [true, true, true]);
  assert.equal(page.data.unread, 0);
  await page.readAll();  // nothing unread: nothing asked
  assert.equal(s.marked.length, 1);

  await home.onShow();  // back on the home page
  assert.equal(home.data.unread, 0);
});

test('a badge of more than 99 reads 99+, and one that cannot load shows none without a toast', async () => {
  const many = unitPhone({ 'GET /api/v1/me/messages/unread-count': () => json(200, { unread: 120 }) });
  const home = await many.phone.open('pages/index/index');
  assert.equal(home.data.unreadText, '99+');

  const failing = unitPhone({ 'GET /api/v1/me/messages/unread-count': () => error(500, 'internal_error', '服务器出了点问题，请稍后重试。') });
  const quiet = await failing.phone.open('pages/index/index');
  assert.equal(quiet.data.unread, 0);
  assert.deepEqual([...failing.wx.toasts, ...failing.wx.modals], []);
});

test('an empty list says what will appear there', async () => {
  const { phone } = unitPhone(server([]).routes);
  const page = await phone.open('pages/messages/messages', {});
  assert.deepEqual(page.data.items, []);
  assert.equal(page.data.unread, 0);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/messages/messages.wxml'), 'utf8');
  assert.match(wxml, /还没有消息/);
});

test('a console account\'s notice (no page) is listed with 请在管理后台处理 and a tap marks it read but opens nothing', async () => {
  const s = server([message(1, { template: 'research', title: '调研课题进展通知', page: '',
                                 lines: [{ label: '状态', value: '待审核' }] })]);
  const { phone, wx } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  assert.equal(page.data.items[0].page, '');
  assert.equal(page.data.items[0].hint, '请在管理后台处理');
  await page.open({ currentTarget: { dataset: { id: 1 } } });
  assert.deepEqual(s.marked, [{ ids: [1] }]);
  assert.equal(page.data.items[0].read, true);
  assert.equal(wx.navigations.length, 0);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/messages/messages.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{item\.page\}\}">查看详情 ›/);
  assert.match(wxml, /wx:else class="muted hint">\{\{item\.hint\}\}/);
});

test('back on 消息 after opening a message, the pages loaded stay; only a changed list is read again', async () => {
  const s = server(Array.from({ length: 25 }, (_, i) => message(25 - i)));
  const asked = { pages: 0, newest: 0 };
  const list = s.routes['GET /api/v1/me/messages'];
  s.routes['GET /api/v1/me/messages'] = (req) => {
    if (Number(req.query.per_page) === 1) asked.newest += 1; else asked.pages += 1;
    return list(req);
  };
  const { phone, wx } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  assert.equal(asked.pages, 1, 'the first show is onLoad\'s: one read');
  await page.onReachBottom();
  assert.equal(page.data.items.length, 25);
  await page.open({ currentTarget: { dataset: { id: 3 } } }); // on the second page
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=11');

  await page.onShow(); // back from the item
  assert.equal(asked.pages, 2, 'no page read again');
  assert.equal(asked.newest, 1, 'only the newest message asked, with the counts');
  assert.equal(page.data.items.length, 25);
  assert.equal(page.data.page, 2);
  assert.equal(page.data.items.find((m) => m.id === 3).read, true);
  assert.equal(page.data.unread, 24);

  // A notice arrived meanwhile: the list is read again from its newest.
  s.store.unshift(message(26));
  await page.onShow();
  assert.equal(asked.pages, 3);
  assert.equal(page.data.items[0].id, 26);
  assert.equal(page.data.unread, 25);

  // Another arrived while one was read elsewhere (its item opened): the unread count is the same, the list
  // is not, and it is read again all the same.
  s.store.unshift(message(27));
  s.store.find((m) => m.id === 20).read = true;
  await page.onShow();
  assert.equal(asked.pages, 4);
  assert.equal(page.data.items[0].id, 27);
  assert.equal(page.data.items.find((m) => m.id === 20).read, true);

  // Pulled down: read again from the first page, as ever.
  await page.onPullDownRefresh();
  assert.equal(asked.pages, 5);
  assert.equal(page.data.items.length, 20);
});

test('back on 消息 after a first load that failed, the list is read again', async () => {
  const s = server([message(1, { read: true })]);
  let down = true;
  const list = s.routes['GET /api/v1/me/messages'];
  s.routes['GET /api/v1/me/messages'] = (req) => (down ? error(503, 'unavailable', '服务暂时不可用，请稍后重试。') : list(req));
  const { phone } = unitPhone(s.routes);
  const page = await phone.open('pages/messages/messages', {});
  assert.equal(page.data.error, '服务暂时不可用，请稍后重试。');
  down = false;
  await page.onShow(); // the count (0) is the one shown, but the list never loaded
  assert.equal(page.data.error, '');
  assert.deepEqual(page.data.items.map((m) => m.id), [1]);
});
