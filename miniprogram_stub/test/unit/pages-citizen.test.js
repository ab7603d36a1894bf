// The citizen's pages with a wx stand-in: scan entry routing, card, filing, my items, detail and rating.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { unitPhone, json, error, suggestion, pagedSuggestions, followerView, DEPUTY } = require('../support/unit');
const { event, until, asked } = require('../support/harness');

const ROOT = path.join(__dirname, '..', '..');

const DEPUTY_QR = {
  kind: 'deputy', code: 'dep1', url: 'https://msb.example.cn/q/dep1', actions: ['file_suggestion'],
  target: { id: 7, name: '张伟', level: 'city', level_label: '市人大代表', region_id: 4, region_name: '湖南省怀化市鹤城区', stations: [] },
};
const STATION_QR = {
  kind: 'station', code: 'sta1', url: 'https://msb.example.cn/q/sta1', actions: ['file_suggestion', 'view_deputies', 'checkin'],
  target: { id: 1, name: '城北街道人大代表中心联络站', kind_label: '中心联络站', region_id: 12, deputies: [] },
};
const ACTIVITY_QR = { kind: 'activity', code: 'a'.repeat(27), url: '', actions: ['checkin'], target: { id: 3, title: '接待日' } };

function qrRoutes() {
  return {
    'GET /api/v1/qr/dep1': () => json(200, DEPUTY_QR),
    'GET /api/v1/qr/sta1': () => json(200, STATION_QR),
    ['GET /api/v1/qr/' + 'a'.repeat(27)]: () => json(200, ACTIVITY_QR),
    'GET /api/v1/qr/old1': () => error(410, 'qr_revoked', '该代表已不再履职，这个二维码已停用。您可以扫描所在联络站的二维码反映问题。'),
    'GET /api/v1/qr/shut1': () => error(410, 'station_closed', '该联络站已停用，不再受理建议和约见。请到附近联络站（鹤城区）反映问题，或在“附近联络站”中查找。'),
    'GET /api/v1/qr/none': () => error(404, 'not_found', '二维码无效：没有找到对应的代表或联络站。'),
    'GET /api/v1/qr/boom': () => error(500, 'internal_error', '服务器出错了，请稍后再试。'),
  };
}

// The code routes with ``code``'s answer failing as a lost network until ``network.online`` is set.
function offlineAt(code, answer) {
  const network = { online: false };
  const routes = qrRoutes();
  routes['GET /api/v1/qr/' + code] = () => {
    if (!network.online) throw new Error('timeout');
    return json(200, answer);
  };
  return { routes, network };
}

test('scan entry: a citizen goes to the deputy card (options.q) or the station card (options.scene)', async () => {
  const { phone, wx } = unitPhone(qrRoutes());
  const scan = await phone.open('pages/scan/scan', { q: encodeURIComponent('https://msb.example.cn/q/dep1') });
  assert.equal(wx.lastNavigation().type, 'redirectTo');
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=dep1');
  const card = await phone.follow();
  assert.equal(card.data.kind, 'deputy');
  assert.equal(card.data.target.name, '张伟');
  assert.equal(wx.requests.filter((r) => /\/qr\//.test(r.url)).length, 1, 'the card reuses the resolved code');
  assert.ok(scan);

  await phone.open('pages/scan/scan', { scene: 'sta1' });
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=sta1');
  const stationCard = await phone.follow();
  assert.equal(stationCard.data.kind, 'station');
  stationCard.fileSuggestion();
  assert.match(wx.lastNavigation().url, /^\/pages\/file\/file\?code=sta1&name=%E5%9F%8E/);
  // 民生实事 · 我要下单 from the card: the congresses nearest to the station's region listed first.
  stationCard.proposeLivelihood();
  assert.equal(wx.lastNavigation().url, '/pages/livelihood/propose?region_id=12');
  card.proposeLivelihood();
  assert.equal(wx.lastNavigation().url, '/pages/livelihood/propose?region_id=4');
});

test('scan entry: a deputy at a station or activity code is routed to check-in; at a deputy code to the card', async () => {
  const { phone, wx } = unitPhone(qrRoutes(), { user: DEPUTY });
  let scan = await phone.open('pages/scan/scan', { q: encodeURIComponent('https://msb.example.cn/q/sta1') });
  assert.equal(wx.lastNavigation().url, '/pages/checkin/checkin?code=sta1');
  scan = await phone.open('pages/scan/scan', { scene: 'a'.repeat(27) });
  assert.equal(wx.lastNavigation().url, '/pages/checkin/checkin?code=' + 'a'.repeat(27));
  scan = await phone.open('pages/scan/scan', { scene: 'dep1' });
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=dep1');
  assert.ok(scan);
});

test('scan entry: revoked and unknown codes open the page with the sentence, without a toast', async () => {
  const { phone, wx } = unitPhone(qrRoutes());
  await phone.open('pages/scan/scan', { q: encodeURIComponent('https://msb.example.cn/q/old1') });
  const revoked = await phone.follow();
  assert.equal(revoked.route, 'pages/unavailable/unavailable');
  assert.equal(revoked.data.title, '二维码已停用');
  assert.equal(revoked.data.message, '该代表已不再履职，这个二维码已停用。您可以扫描所在联络站的二维码反映问题。');
  await phone.open('pages/scan/scan', { scene: 'none' });
  const unknown = await phone.follow();
  assert.equal(unknown.data.title, '二维码无效');
  assert.deepEqual(wx.toasts.concat(wx.modals), []);
});

test('a closed station\'s code says so and offers 附近联络站', async () => {
  const { phone, wx } = unitPhone(qrRoutes());
  await phone.open('pages/scan/scan', { scene: 'shut1' });
  const closed = await phone.follow();
  assert.equal(closed.route, 'pages/unavailable/unavailable');
  assert.equal(closed.data.title, '该联络站已停用');
  assert.match(closed.data.message, /附近联络站/);
  assert.equal(closed.data.nearby, true);
  closed.nearby();
  assert.equal(wx.lastNavigation().url, '/pages/nearby/nearby');
  await phone.open('pages/scan/scan', { scene: 'old1' });
  assert.equal((await phone.follow()).data.nearby, false, 'a revoked code: no such button');
});

test('a code that cannot be used offers 重新扫码, which opens the next code in its place', async () => {
  const { phone, wx } = unitPhone(qrRoutes());
  await phone.open('pages/scan/scan', { scene: 'old1' });
  const revoked = await phone.follow();
  assert.equal(await revoked.rescan(), null, 'scan cancelled: the page stays');
  wx.queue.scan.push({ result: 'https://example.com/hello' });
  assert.equal(await revoked.rescan(), null);
  assert.deepEqual(wx.toasts, ['无法识别的二维码']);
  wx.queue.scan.push({ result: 'https://msb.example.cn/q/sta1' });
  assert.equal(await revoked.rescan(), 'sta1');
  assert.equal(wx.lastNavigation().type, 'redirectTo');
  assert.equal(wx.lastNavigation().url, '/pages/scan/scan?code=sta1');
  await phone.follow();
  const card = await phone.follow();
  assert.equal(card.data.kind, 'station');
});

test('scan entry: an unrecognised link, a citizen at an activity code, a server error', async () => {
  const { phone, wx } = unitPhone(qrRoutes());
  const bad = await phone.open('pages/scan/scan', { q: encodeURIComponent('https://example.com/hello') });
  assert.match(bad.data.message, /无法识别/);
  assert.equal(bad.data.loading, false);
  const activity = await phone.open('pages/scan/scan', { scene: 'a'.repeat(27) });
  assert.match(activity.data.message, /活动签到码/);
  const boom = await phone.open('pages/scan/scan', { scene: 'boom' });
  assert.equal(boom.data.message, '服务器出错了，请稍后再试。');
  assert.deepEqual(wx.modals.concat(wx.toasts), ['服务器出错了，请稍后再试。']);
  assert.deepEqual(wx.navigations, []);
});

test('scan entry: a network failure says so and 重试 resolves the same code, without scanning again', async () => {
  const { routes, network } = offlineAt('dep1', DEPUTY_QR);
  const { phone, wx } = unitPhone(routes);
  const scan = await phone.open('pages/scan/scan', { q: encodeURIComponent('https://msb.example.cn/q/dep1') });
  assert.equal(scan.data.message, '网络连接失败，请检查网络后重试。');
  assert.equal(scan.data.canRetry, true);
  assert.deepEqual(wx.navigations, []);
  network.online = true;
  await scan.retry();
  assert.equal(wx.lastNavigation().url, '/pages/card/card?code=dep1');

  const bad = await phone.open('pages/scan/scan', { q: encodeURIComponent('https://example.com/hello') });
  assert.equal(bad.data.canRetry, false, 'nothing to retry: the code is not ours');
});

test('card: an activity\'s check-in code is no card: it says so and leads home, never an empty card', async () => {
  // The code a deputy's failed check-in left behind (the scan entry resolved it, so the card has it at hand),
  // and the same code opened without it.
  const { phone, wx } = unitPhone(qrRoutes(), { user: DEPUTY });
  await phone.launch();
  phone.app.globalData.lastQr = ACTIVITY_QR;
  for (const kept of [true, false]) {
    if (!kept) phone.app.globalData.lastQr = null;
    const card = await phone.open('pages/card/card', { code: ACTIVITY_QR.code });
    assert.equal(card.data.loading, false);
    assert.equal(card.data.error, '这是活动签到码，只用于受邀代表到场签到，不能查看名片或提建议。');
    assert.equal(card.data.canRetry, false, 'asking again cannot make it a card');
    assert.equal(card.data.canFile, false);
    assert.equal(card.data.canAppoint, false);
    card.home();
    assert.equal(wx.lastNavigation().type, 'reLaunch');
    assert.equal(wx.lastNavigation().url, '/pages/index/index');
  }
  assert.deepEqual(wx.toasts.concat(wx.modals), []);
});

test('card: a code that could not be resolved offers 重试 for a network failure, and 返回首页', async () => {
  const { routes, network } = offlineAt('sta1', STATION_QR);
  const { phone } = unitPhone(routes);
  const card = await phone.open('pages/card/card', { code: 'sta1' });
  assert.equal(card.data.error, '网络连接失败，请检查网络后重试。');
  assert.equal(card.data.canRetry, true);
  network.online = true;
  await card.load();
  assert.equal(card.data.error, '');
  assert.equal(card.data.kind, 'station');
  assert.equal(card.data.target.name, '城北街道人大代表中心联络站');
});

test('scan entry: a double tap on 重试 opens the card once', async () => {
  const { routes, network } = offlineAt('dep1', DEPUTY_QR);
  const { phone, wx } = unitPhone(routes);
  const scan = await phone.open('pages/scan/scan', { scene: 'dep1' });
  assert.equal(scan.data.canRetry, true);
  network.online = true;
  await Promise.all([scan.retry(), scan.retry()]);
  assert.equal(wx.requests.filter((r) => /\/qr\//.test(r.url)).length, 2, 'the failed one and one retry');
  assert.deepEqual(wx.navigations.map((n) => n.url), ['/pages/card/card?code=dep1']);
});

function filingRoutes(extra) {
  const state = { uploads: 0, posts: [], nearbyQueries: [] };
  const routes = Object.assign({
    'GET /api/v1/suggestions/categories': () => json(200, { categories: ['道路交通', '环境卫生', '其他'] }),
    'GET /api/v1/suggestions/nearby': (req) => {
      state.nearbyQueries.push(req.query);
      return json(200, { items: req.query.category === '环境卫生' ? [
        { id: 40, number: 'MSB-40', category: '环境卫生', content: '垃圾站满了', status: 'accepted', status_label: '办理中', distance_m: 80, created_at: '2026-05-01T00:00:00+00:00' },
      ] : [] });
    },
    'POST /api/v1/uploads': (req) => {
      state.uploads += 1;
      if (/bad/.test(req.filePath)) return error(415, 'unsupported_media', '只能上传 JPEG、PNG 或 WebP 格式的图片。');
      return json(201, { id: 100 + state.uploads, url: '/api/v1/uploads/k' + state.uploads + '.png', width: 10, height: 10 });
    },
    'POST /api/v1/suggestions': (req) => {
      state.posts.push(req);
      return json(201, suggestion({ id: 12 }));
    },
    'POST /api/v1/suggestions/40/follow': () => json(200, { id: 40, number: 'MSB-40', following: true }),
  }, extra);
  return { routes, state };
}

test('filing: the form validates, uploads photos, asks to subscribe, then posts once with its key', async () => {
  const { routes, state } = filingRoutes();
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'dep1', name: encodeURIComponent('张伟'), kind: 'deputy' });
  assert.equal(file.data.loading, false);
  assert.deepEqual(file.data.categories, ['道路交通', '环境卫生', '其他']);
  assert.equal(file.data.targetName, '张伟');

  await file.submit();
  assert.deepEqual(wx.toasts, ['请选择问题类别']);
  await file.onCategoryChange(event({}, '0'));
  await file.submit();
  assert.equal(wx.toasts[1], '请填写问题描述');
  file.onContentInput(event({}, '  路灯坏了  '));

  wx.queue.media.push({ tempFiles: [{ tempFilePath: '/tmp/one.jpg' }, { tempFilePath: '/tmp/bad.gif' }] });
  await file.choosePhotos();
  assert.equal(wx.calls.chooseMedia[0].count, 9);
  assert.deepEqual(file.data.photos.map((p) => [p.status, p.id]), [['done', 101], ['failed', null]]);
  assert.deepEqual(wx.modals, ['只能上传 JPEG、PNG 或 WebP 格式的图片。'], 'the upload error is shown');
  await file.submit();
  assert.match(wx.modals[1], /上传失败/);
  assert.equal(state.posts.length, 0);
  file.removePhoto(event({ key: file.data.photos[1].key }));
  assert.equal(file.data.photos.length, 1);

  await file.locate();
  assert.deepEqual(file.data.location, { lat: 27.5601, lng: 109.9985, address: '' });
  assert.deepEqual(state.nearbyQueries, [{ category: '道路交通', lat: '27.5601', lng: '109.9985' }]);
  file.onAnonymousChange(event({}, true));
  file.onPublicChange(event({}, true));
  file.onPhoneInput(event({}, '13912345678'));

  const item = await file.submit();
  assert.equal(item.id, 12);
  const post = state.posts[0];
  assert.deepEqual(post.data, {
    qr_code: 'dep1', category: '道路交通', content: '路灯坏了', anonymous: true, public_consent: true,
    attachment_ids: [101], location: { lat: 27.5601, lng: 109.9985, address: '' }, contact_phone: '13912345678',
  });
  assert.ok(post.header['Idempotency-Key']);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /suggestions'), order.join(', '));
  assert.deepEqual(wx.calls.requestSubscribeMessage[0].tmplIds, ['tmpl-accepted', 'tmpl-replied', 'tmpl-reopened']);
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=12');
});

test('filing: a lost answer and a second tap reuse the key; refusing notices does not stop filing', async () => {
  let attempt = 0;
  const { routes, state } = filingRoutes({
    'POST /api/v1/suggestions': (req) => {
      attempt += 1;
      state.posts.push(req);
      if (attempt === 1) throw new Error('connection reset');
      return json(201, suggestion({ id: 13 }));
    },
  });
  const { phone, wx } = unitPhone(routes);
  wx.subscribeAnswer = 'fail';
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.onCategoryChange(event({}, '2'));
  file.onContentInput(event({}, '内容'));
  assert.equal(await file.submit(), null);
  assert.equal(file.data.submitting, false);
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);
  const item = await file.submit();
  assert.equal(item.id, 13);
  assert.equal(state.posts.length, 2);
  assert.equal(state.posts[0].header['Idempotency-Key'], state.posts[1].header['Idempotency-Key']);
  assert.equal(state.posts[1].data.location, undefined, 'no location: none sent');
});

// The server as it keeps keys: a key comes back with the body it first came with (the answer replayed), or
// another body (409 idempotency_key_reused); ``lost`` answers are stored, then lost on the way back.
function keyedServer(created, lost) {
  const seen = {};
  const posts = [];
  let n = 0;
  const handler = (req) => {
    posts.push(req);
    const key = req.header['Idempotency-Key'];
    const body = JSON.stringify(req.data);
    if (key && seen[key] && seen[key].body !== body) {
      return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
    }
    if (!(key && seen[key])) {
      n += 1;
      seen[key] = { body, answer: json(201, created(n)) };
    }
    if (posts.length <= (lost || 0)) throw new Error('timeout');
    return seen[key].answer;
  };
  return { handler, posts };
}

test('filing: filed, the answer lost, the words changed and sent again: it says it went through and leads to 我的', async () => {
  const server = keyedServer((n) => suggestion({ id: 20 + n }), 1);
  const { routes } = filingRoutes({ 'POST /api/v1/suggestions': server.handler });
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.onCategoryChange(event({}, '2'));
  file.onContentInput(event({}, '路灯坏了'));
  assert.equal(await file.submit(), null);
  assert.deepEqual(wx.modals, ['网络连接失败，请检查网络后重试。']);

  file.onContentInput(event({}, '路灯坏了一个月'));
  wx.queue.modal.push({ confirm: false }); // 留在本页
  assert.equal(await file.submit(), null);
  assert.equal(wx.modals.length, 2, 'one dialog, not the server\'s sentence as well');
  const said = wx.calls.showModal[1];
  assert.equal(said.title, '已经提交过了');
  assert.equal(said.content, '您的建议此前已提交成功（当时网络中断，未能显示结果），可到“我的”查看，无需重复提交。');
  assert.equal(said.confirmText, '去查看');
  assert.ok(!wx.modals.some((m) => /已用于其他请求|请检查填写/.test(m)));
  assert.equal(file.data.submitting, false);
  assert.equal(wx.lastNavigation(), null, 'stayed on the page');

  // A new tap is a new filing, with a new key: the form is not stuck.
  const item = await file.submit();
  assert.equal(item.id, 22);
  assert.equal(server.posts.length, 3);
  assert.equal(server.posts[0].header['Idempotency-Key'], server.posts[1].header['Idempotency-Key']);
  assert.notEqual(server.posts[2].header['Idempotency-Key'], server.posts[1].header['Idempotency-Key']);
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=22');
});

test('filing: told the earlier filing went through, 去查看 opens 我的', async () => {
  const server = keyedServer((n) => suggestion({ id: 30 + n }), 1);
  const { routes } = filingRoutes({ 'POST /api/v1/suggestions': server.handler });
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.onCategoryChange(event({}, '2'));
  file.onContentInput(event({}, '路灯坏了'));
  await file.submit();
  file.onContentInput(event({}, '路灯坏了，请尽快修'));
  await file.submit();
  assert.deepEqual(wx.navigations.map((n) => [n.type, n.url]), [['redirectTo', '/pages/mine/mine']]);
});

test('filing: a contact phone the server would refuse is caught on the form; a 422 shows the field\'s own sentence', async () => {
  const { routes, state } = filingRoutes({
    'POST /api/v1/suggestions': (req) => {
      state.posts.push(req);
      return error(422, 'validation_failed', '提交的内容有误，请检查后重试。', { category: ['问题类别无效，请重新选择。'] });
    },
  });
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.onCategoryChange(event({}, '2'));
  file.onContentInput(event({}, '路灯不亮'));
  file.onPhoneInput(event({}, '1391234567'));
  assert.equal(await file.submit(), null);
  assert.deepEqual(wx.modals, ['联系电话格式不正确，请填写手机号或座机号。']);
  assert.equal(state.posts.length, 0, 'nothing sent');
  file.onPhoneInput(event({}, '0745-2345678'));
  assert.equal(await file.submit(), null);
  assert.equal(state.posts.length, 1);
  assert.equal(state.posts[0].data.contact_phone, '0745-2345678');
  // Not the general "提交的内容有误": what to correct, in the server's words, once.
  assert.deepEqual(wx.modals.slice(1), ['问题类别无效，请重新选择。']);
  assert.equal(file.data.submitting, false);
});

test('filing: a double tap on 提交 files once and opens the item once', async () => {
  const { routes, state } = filingRoutes();
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.onCategoryChange(event({}, '2'));
  file.onContentInput(event({}, '路灯不亮'));
  // Both taps land before WeChat has answered the consent dialog of the first.
  const [first, second] = await Promise.all([file.submit(), file.submit()]);
  assert.equal(first.id, 12);
  assert.equal(second, null);
  assert.equal(state.posts.length, 1);
  assert.equal(wx.calls.requestSubscribeMessage.length, 1);
  assert.equal(wx.calls.redirectTo.length, 1);
  assert.equal(file.data.submitting, false);
});

test('filing: similar open items nearby are offered, and following one replaces filing', async () => {
  const { routes, state } = filingRoutes();
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.locate();
  assert.deepEqual(file.data.nearby, [], 'no category yet: no query');
  await file.onCategoryChange(event({}, '1'));
  assert.equal(file.data.nearby.length, 1);
  assert.equal(file.data.nearby[0].createdText, '2026-05-01 08:00');
  await file.follow(event({ id: 40 }));
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=40');
  assert.equal(state.posts.length, 0);
});

test('filing: the similar items shown are those of the category and place chosen last, whatever answers late', async () => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const { routes } = filingRoutes();
  const nearby = routes['GET /api/v1/suggestions/nearby'];
  // 环境卫生's similar items come back slowly.
  routes['GET /api/v1/suggestions/nearby'] = (req) => (req.query.category === '环境卫生' ? held.then(() => nearby(req)) : nearby(req));
  const { phone } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.locate();
  const first = file.onCategoryChange(event({}, '1')); // 环境卫生, then at once 道路交通
  await file.onCategoryChange(event({}, '0'));
  release();
  await first;
  assert.equal(file.category(), '道路交通');
  assert.deepEqual(file.data.nearby, [], 'no 环境卫生 items offered to follow under 道路交通');

  // Cleared the place while they were on their way: none either.
  let again;
  const heldAgain = new Promise((resolve) => { again = resolve; });
  routes['GET /api/v1/suggestions/nearby'] = (req) => heldAgain.then(() => nearby(req));
  const second = file.onCategoryChange(event({}, '1'));
  file.clearLocation();
  again();
  await second;
  assert.deepEqual(file.data.nearby, []);
});

test('filing: 关注 asks, in the tap and before following, for the notices it promises (accepted, replied, reopened)', async () => {
  const { routes } = filingRoutes();
  const { phone, wx } = unitPhone(routes);
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  await file.locate();
  await file.onCategoryChange(event({}, '1'));
  await Promise.all([file.follow(event({ id: 40 })), file.follow(event({ id: 40 }))]); // a double tap
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-accepted', 'tmpl-replied', 'tmpl-reopened']]);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /suggestions/40/follow'), order.join(', '));
  assert.equal(wx.requests.filter((r) => /\/follow$/.test(r.url)).length, 1);
  assert.deepEqual(wx.toasts, ['已关注，办理进展会通知您']);

  // Refusing the notices does not stop following.
  wx.subscribeAnswer = 'reject';
  await file.follow(event({ id: 40 }));
  assert.equal(wx.requests.filter((r) => /\/follow$/.test(r.url)).length, 2);
  assert.equal(wx.toasts.at(-1), '已关注', 'no promise of notices the user refused');
});

test('filing: at most 9 photos; location refused is explained', async () => {
  const { routes } = filingRoutes();
  const { phone, wx } = unitPhone(routes, { location: null });
  const file = await phone.open('pages/file/file', { code: 'sta1' });
  wx.queue.media.push({ tempFiles: Array.from({ length: 7 }, (_, i) => ({ tempFilePath: '/tmp/p' + i + '.jpg' })) });
  await file.choosePhotos();
  wx.queue.media.push({ tempFiles: Array.from({ length: 5 }, (_, i) => ({ tempFilePath: '/tmp/q' + i + '.jpg' })) });
  await file.choosePhotos();
  assert.equal(wx.calls.chooseMedia[1].count, 2);
  assert.equal(file.data.photos.length, 9);
  assert.ok(file.data.photos.every((p) => p.status === 'done'));
  await file.choosePhotos();
  assert.deepEqual(wx.toasts, ['最多上传 9 张照片']);
  assert.equal(wx.calls.chooseMedia.length, 2);
  await file.locate();
  assert.equal(file.data.location, null);
  assert.match(wx.modals[0], /允许“码上办”使用您的位置/);
});

test('my items: loading, empty state, paging', async () => {
  const pages = { 1: [suggestion({ id: 1 }), suggestion({ id: 2, overdue: true })], 2: [suggestion({ id: 3 })] };
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': (req) => json(200, { items: pages[req.query.page] || [], total: 3, page: Number(req.query.page), per_page: 20 }),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.equal(mine.data.loading, false);
  assert.deepEqual(mine.data.items.map((i) => i.id), [1, 2]);
  assert.deepEqual(mine.data.items[1].flags, ['已超期']);
  assert.equal(mine.data.hasMore, true);
  await mine.onReachBottom();
  assert.deepEqual(mine.data.items.map((i) => i.id), [1, 2, 3]);
  assert.equal(mine.data.hasMore, false);
  assert.equal(mine.onReachBottom(), null);

  const empty = unitPhone({ 'GET /api/v1/suggestions': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }) });
  const none = await empty.phone.open('pages/mine/mine');
  assert.deepEqual(none.data.items, []);
  assert.equal(none.data.loading, false);
  assert.equal(none.data.error, '');
});

test('my items: an item filed while scrolling shifts the pages, and no row shows twice', async () => {
  let ids = Array.from({ length: 41 }, (_, i) => 41 - i); // newest first, as the server lists them
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': pagedSuggestions(() => ids),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.equal(mine.data.items.length, 20);
  ids = [42].concat(ids); // filed on another phone meanwhile: page 2 now starts with page 1's last row
  await mine.onReachBottom();
  await mine.onReachBottom();
  while (mine.data.hasMore) await mine.onReachBottom(); // never stuck asking for more
  const shown = mine.data.items.map((i) => i.id);
  assert.deepEqual(shown, Array.from({ length: 41 }, (_, i) => 41 - i), 'each row once');
  assert.equal(mine.data.loading, false);
  await mine.onPullDownRefresh();
  assert.deepEqual(mine.data.items.slice(0, 2).map((i) => i.id), [42, 41], 'pulling down shows the new one');
});

test('detail: the citizen sees the timeline and rates once replied', async () => {
  const rated = [];
  let current = suggestion({
    status: 'replied', status_label: '已答复', reply_content: '已修复',
    timeline: [{ action: 'reply', action_label: '答复', actor_role: 'deputy', actor_name: '张伟', at: '2026-05-02T02:00:00+00:00', note: '' }],
    attachments: [{ id: 5, url: '/api/v1/uploads/k.png' }],
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, current),
    'GET /api/v1/uploads/k.png': () => ({ statusCode: 200, tempFilePath: '/tmp/k.png' }),
    'POST /api/v1/suggestions/11/rate': (req) => {
      rated.push(req.data);
      current = Object.assign({}, current, { status: 'closed', status_label: '已办结', satisfaction: req.data.satisfaction });
      return json(200, current);
    },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.isHandler, false);
  assert.equal(detail.data.canRate, true);
  assert.equal(detail.data.canWithdraw, false);
  assert.deepEqual(detail.data.photos, ['/tmp/k.png']);
  assert.equal(detail.data.item.timeline[0].atText, '2026-05-02 10:00');
  await detail.rate();
  assert.deepEqual(wx.toasts, ['请选择满意程度']);
  detail.onSatisfactionChange(event({}, 'dissatisfied'));
  // 不满意 sends the item round again: the deputy needs to know what was wrong, so the reason is asked first.
  assert.equal(detail.data.commentPlaceholder, '请写明不满意的原因（必填）');
  detail.onCommentInput(event({}, '   '));
  assert.equal(await detail.rate(), null);
  assert.deepEqual(wx.toasts, ['请选择满意程度', '请写明不满意的原因']);
  assert.deepEqual(rated, []);
  assert.equal(wx.calls.requestSubscribeMessage, undefined, 'nothing asked before the form is complete');
  detail.onCommentInput(event({}, ' 还是不亮 '));
  await detail.rate();
  assert.deepEqual(rated, [{ satisfaction: 'dissatisfied', comment: '还是不亮' }]);
  assert.equal(detail.data.canRate, false);
  assert.equal(detail.data.item.satisfactionText, '不满意');
});

test('detail: rating 不满意 asks, in the tap, for the next round\'s answer and re-opening notices; 满意 asks nothing', async () => {
  const rated = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({ status: 'replied', status_label: '已答复', reply_content: '已修复' })),
    'POST /api/v1/suggestions/11/rate': (req) => {
      rated.push(req.data);
      return json(200, suggestion({ status: 'accepted', status_label: '办理中', round: 2 }));
    },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.commentPlaceholder, '意见或建议（选填）');
  detail.onSatisfactionChange(event({}, 'dissatisfied'));
  detail.onCommentInput(event({}, '路灯还是不亮'));
  await Promise.all([detail.rate(), detail.rate()]); // a double tap: asked once, rated once
  // The consents given at filing are spent by the first reply and this re-opening: the second round's
  // answer reaches the citizen only with a new one.
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-replied', 'tmpl-reopened']]);
  const order = wx.order.map((c) => c.name + (c.url ? ' ' + c.url.replace(/^.*\/api\/v1/, '') : ''));
  assert.ok(order.indexOf('requestSubscribeMessage') < order.indexOf('request /suggestions/11/rate'), order.join(', '));
  assert.deepEqual(rated, [{ satisfaction: 'dissatisfied', comment: '路灯还是不亮' }]);

  const closing = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({ status: 'replied', status_label: '已答复', reply_content: '已修复' })),
    'POST /api/v1/suggestions/11/rate': () => json(200, suggestion({ status: 'closed', status_label: '已办结', satisfaction: 'satisfied' })),
  });
  const other = await closing.phone.open('pages/suggestion/detail', { id: '11' });
  other.onSatisfactionChange(event({}, 'satisfied'));
  await other.rate();
  assert.equal(other.data.item.status, 'closed');
  assert.equal(closing.wx.calls.requestSubscribeMessage, undefined, 'closed: nothing more to be told');
});

test('detail: the filer sees what they chose (anonymous, publishing) and the number they left', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({
      anonymous: false, public_consent: false, contact_phone: '13912345678', location: { lat: 27.56, lng: 109.99, address: '人民路 8 号' },
    })),
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.item.own, true);
  assert.equal(detail.data.item.choicesText, '实名提交 · 不公开');
  assert.equal(detail.data.item.placeText, '人民路 8 号');
  assert.equal(detail.data.item.contact_phone, '13912345678');
});

test('detail: an item waiting at its station shows the citizen when it is due to be dispatched, in China time', async () => {
  let current = suggestion({
    status: 'pending', status_label: '待分派', deputy: null, station: { id: 1, name: '城北街道人大代表中心联络站' },
    dispatch_due_at: '2026-05-06T15:59:59+00:00', accept_due_at: null, reply_due_at: null,
  });
  const { phone } = unitPhone({ 'GET /api/v1/suggestions/11': () => json(200, current) });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.dueText, '预计分派时限：2026-05-06 23:59');
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/suggestion/detail.wxml'), 'utf8');
  assert.match(wxml, /<view class="muted" wx:if="\{\{dueText\}\}">\{\{dueText\}\}<\/view>/);

  // Held for an administrator's review, the clock does not run (it starts afresh once released): no deadline.
  current = Object.assign({}, current, { status_label: '审核中', held_for_review: true });
  await detail.load();
  assert.equal(detail.data.dueText, '');

  // Dispatched, the station's deadline is behind it; the deputy's is not the citizen's to meet.
  current = suggestion({ status: 'assigned', dispatch_due_at: null, accept_due_at: '2026-05-08T15:59:59+00:00' });
  await detail.load();
  assert.equal(detail.data.dueText, '');
});

test('my items: a row waiting at its station shows when it is due to be dispatched, short in China time, and whether it is late', async () => {
  const items = [
    suggestion({ id: 1, status: 'pending', status_label: '待分派', deputy: null, dispatch_due_at: '2026-05-06T15:59:59+00:00', due_soon: true }),
    suggestion({ id: 2, status: 'pending', status_label: '审核中', deputy: null, held_for_review: true, dispatch_due_at: null }),
    // The deputy's 接单 deadline is the deputy's to meet: the citizen sees only that it is late, as on its page.
    suggestion({ id: 3, status: 'assigned', accept_due_at: '2026-05-02T01:30:00+00:00', overdue: true }),
  ];
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items, total: items.length, page: 1, per_page: 20 }),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.deepEqual(mine.data.items.map((i) => [i.id, i.dueText, i.flags]), [
    [1, '预计分派时限：05-06 23:59', ['临期']],
    [2, '', []],
    [3, '', ['已超期']],
  ]);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/mine/mine.wxml'), 'utf8');
  assert.match(wxml, /<view class="muted due" wx:if="\{\{item\.dueText\}\}">\{\{item\.dueText\}\}<\/view>/);
});

test('my items: a row shows a deputy the 接单 deadline only of an item they handle, as its page does', async () => {
  const items = [suggestion({ id: 1, status: 'assigned', accept_due_at: '2026-05-02T01:30:00+00:00' }),
    suggestion({ id: 2, status: 'assigned', deputy: { id: 8, name: '李娜' }, accept_due_at: '2026-05-02T01:30:00+00:00' })];
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items, total: items.length, page: 1, per_page: 20 }),
    'GET /api/v1/me/liaisons': () => json(200, { items: [], total: 0, page: 1, per_page: 20 }),
  }, { user: DEPUTY });
  const mine = await phone.open('pages/mine/mine');
  assert.deepEqual(mine.data.items.map((i) => i.dueText), ['请于 05-02 09:30 前接单', '']);
});

test('detail: a citizen may withdraw while it waits, after confirming', async () => {
  let withdrawn = 0;
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({ status: 'pending', deputy: null })),
    'POST /api/v1/suggestions/11/withdraw': () => { withdrawn += 1; return json(200, suggestion({ status: 'withdrawn', deputy: null })); },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.canWithdraw, true);
  wx.queue.modal.push({ confirm: false });
  await detail.withdraw();
  assert.equal(withdrawn, 0);
  await detail.withdraw();
  assert.equal(withdrawn, 1);
  assert.equal(detail.data.canWithdraw, false);
});

test('detail: the filer withdraws 同意公开 after confirming, and may give it again; a follower has no such control', async () => {
  const sent = [];
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({ status: 'closed', public_consent: true })),
    'POST /api/v1/suggestions/11/public-consent': (req) => {
      sent.push(req.data);
      return json(200, suggestion({ status: 'closed', public_consent: req.data.public_consent }));
    },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.canChangeConsent, true);
  assert.equal(detail.data.item.choicesText, '实名提交 · 同意办结后公开');
  wx.queue.modal.push({ confirm: false });
  await detail.changeConsent();
  assert.deepEqual(sent, []);
  const asked = wx.calls.showModal[0];
  assert.equal(asked.title, '撤回公开同意');
  assert.match(asked.content, /不再在公开页面和附近建议中展示/);
  await detail.changeConsent();
  assert.deepEqual(sent, [{ public_consent: false }]);
  assert.equal(detail.data.item.choicesText, '实名提交 · 不公开');
  await detail.changeConsent(); // 同意公开 again, after confirming
  assert.deepEqual(sent, [{ public_consent: false }, { public_consent: true }]);

  const follower = unitPhone({
    'GET /api/v1/suggestions/12': () => {
      const followedItem = suggestion({ id: 12, public_consent: null });
      delete followedItem.contact_phone; // the follower's view: no contact phone, not theirs
      return json(200, followedItem);
    },
  });
  const followed = await follower.phone.open('pages/suggestion/detail', { id: '12' });
  assert.equal(followed.data.canChangeConsent, false);
});

test('detail: a double tap on 撤回建议 asks once and withdraws once; a tap while it is on its way asks nothing', async () => {
  let withdrawn = 0;
  let release = () => null;
  let hold = null;
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions/11': () => json(200, suggestion({ status: 'pending', deputy: null })),
    'POST /api/v1/suggestions/11/withdraw': () => {
      withdrawn += 1;
      const answer = json(200, suggestion({ status: 'withdrawn', deputy: null }));
      return hold ? hold.then(() => answer) : answer;
    },
  });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  // Two taps before the dialog closes.
  wx.queue.modal.push({ confirm: false });
  assert.deepEqual(await Promise.all([detail.withdraw(), detail.withdraw()]), [null, null]);
  assert.equal(wx.calls.showModal.length, 1);
  assert.equal(withdrawn, 0);

  // Confirmed, then tapped again while the withdrawal is on its way.
  hold = new Promise((resolve) => { release = resolve; });
  const first = detail.withdraw();
  await until(() => asked(wx, /\/withdraw$/) === 1, 'the withdrawal to be sent');
  assert.equal(await detail.withdraw(), null);
  release();
  assert.equal((await first).status, 'withdrawn');
  assert.equal(wx.calls.showModal.length, 2, 'the first tap\'s dialog and the second tap\'s, nothing more');
  assert.equal(withdrawn, 1);
  assert.deepEqual(wx.toasts, ['已撤回']);
  assert.equal(detail.data.canWithdraw, false);
});

test('a citizen who follows an item (not theirs) is not offered rating or withdrawing, in the list or the item', async () => {
  let current = followerView({ id: 40, status: 'replied', status_label: '已答复', reply_content: '已修复' });
  const { phone } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: [current, suggestion({ id: 12, status: 'replied', status_label: '已答复' })], total: 2, page: 1, per_page: 20 }),
    'GET /api/v1/suggestions/40': () => json(200, current),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.deepEqual(mine.data.items.map((i) => [i.id, i.own]), [[40, false], [12, true]]);
  const detail = await phone.open('pages/suggestion/detail', { id: '40' });
  assert.equal(detail.data.item.reply_content, '已修复');
  assert.equal(detail.data.canRate, false);
  current = followerView({ id: 40, status: 'pending', status_label: '待分派', deputy: null });
  await detail.load();
  assert.equal(detail.data.canWithdraw, false);
});

test('a duplicate merged into another item reads 已合并 (not 已办结) and leads to the surviving item', async () => {
  const merged = suggestion({
    id: 11, status: 'closed', status_label: '已办结', merged_into: 40,
    timeline: [{ action: 'merge', action_label: '合并', actor_role: 'station_admin', note: '与 MSB-40 重复，已合并', at: '2026-05-02T02:00:00+00:00' }],
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: [merged], total: 1, page: 1, per_page: 20 }),
    'GET /api/v1/suggestions/11': () => json(200, merged),
    'GET /api/v1/suggestions/40': () => json(200, followerView({ id: 40, status: 'accepted', status_label: '办理中' })),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.equal(mine.data.items[0].statusText, '已合并');
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.item.statusText, '已合并');
  assert.equal(detail.data.canRate, false);
  detail.openMerged();
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=40');
  const surviving = await phone.follow();
  assert.equal(surviving.data.item.statusText, '办理中');
});

test('a duplicate merged into an item its citizen did not consent to publish leads to it, shown with the own words', async () => {
  const merged = suggestion({
    id: 11, status: 'closed', status_label: '已办结', merged_into: 40, merged_into_followed: true, content: '红绿灯坏了',
    timeline: [{ action: 'merge', action_label: '合并', actor_role: 'station_admin', note: '与 MSB-40 重复，已合并', at: '2026-05-02T02:00:00+00:00' }],
  });
  // The follower view of an item not published: none of its citizen's words, the follower's own instead.
  const surviving = followerView({
    id: 40, status: 'accepted', status_label: '办理中', content: null, location: null, anonymous: null,
    public_consent: null, attachments: [], followed: true,
    merged_from_mine: [{ id: 11, number: 'MSB-20260501-000011', content: '红绿灯坏了' }],
  });
  const { phone, wx } = unitPhone({
    'GET /api/v1/suggestions': () => json(200, { items: [surviving, merged], total: 2, page: 1, per_page: 20 }),
    'GET /api/v1/suggestions/11': () => json(200, merged),
    'GET /api/v1/suggestions/40': () => json(200, surviving),
  });
  const mine = await phone.open('pages/mine/mine');
  assert.deepEqual(mine.data.items.map((i) => [i.id, i.contentText]),
    [[40, '您反映的问题：红绿灯坏了'], [11, '红绿灯坏了']]);
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  detail.openMerged();
  assert.equal(wx.lastNavigation().url, '/pages/suggestion/detail?id=40');
  const followed = await phone.follow();
  assert.equal(followed.data.item.statusText, '办理中');
  assert.equal(followed.data.item.contentText, '提出人未同意公开这条建议的内容。');
  assert.equal(followed.data.item.ownText, '您反映的问题：红绿灯坏了');
  assert.equal(followed.data.canRate, false);
  assert.equal(followed.data.canWithdraw, false);
  for (const page of ['pages/suggestion/detail.wxml', 'pages/mine/mine.wxml']) {
    const wxml = fs.readFileSync(path.join(ROOT, page), 'utf8');
    assert.match(wxml, /\{\{item\.contentText\}\}/);
  }
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/suggestion/detail.wxml'), 'utf8');
  assert.match(wxml, /\{\{item\.ownText\}\}/);
});

test('a duplicate merged into an item held for review says so and leads nowhere', async () => {
  const merged = suggestion({
    id: 11, status: 'closed', status_label: '已办结', merged_into: 40, merged_into_followed: false,
  });
  const { phone, wx } = unitPhone({ 'GET /api/v1/suggestions/11': () => json(200, merged) });
  const detail = await phone.open('pages/suggestion/detail', { id: '11' });
  assert.equal(detail.data.item.statusText, '已合并');
  detail.openMerged();
  assert.equal(wx.navigations.length, 0);
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/suggestion/detail.wxml'), 'utf8');
  assert.match(wxml, /wx:if="\{\{item\.merged_into_followed === false\}\}"/);
  assert.match(wxml, /合并后的建议正在审核，暂时无法查看/);
});

test('detail: a missing item shows the message in place', async () => {
  const { phone } = unitPhone({ 'GET /api/v1/suggestions/99': () => error(404, 'not_found', '建议不存在。') });
  const detail = await phone.open('pages/suggestion/detail', { id: '99' });
  assert.equal(detail.data.error, '建议不存在。');
  assert.equal(detail.data.item, null);
});
