// 立法意见征集 with a wx stand-in: from a station's card to the drafts open for comment where it is
// (GET /public/consultations?station_id=), a draft read by article, an opinion on one article (POST
// /consultations/{id}/opinions once, with one Idempotency-Key kept for a retry), then 我的意见 with the
// feedback; a draft closed meanwhile refuses with the server's sentence and shows no form.
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const assert = require('node:assert/strict');

const { unitPhone, json, error, DEPUTY } = require('../support/unit');
const { event } = require('../support/harness');

const day = 24 * 3600 * 1000;
const at = (ms) => new Date(ms).toISOString();

function draft(overrides) {
  return Object.assign({
    id: 5, region_id: 2, region_name: '怀化市', congress_name: '怀化市人大常委会', title: '怀化市城市绿化条例（草案）',
    summary: '起草说明', starts_at: at(Date.now() - day), ends_at: at(Date.now() + 30 * day), status: 'open',
    status_label: '征集中', accepting: true, phase: 'accepting', phase_label: '正在征求意见',
    articles: [{ id: 51, number: '第一条', text: '为了……制定本条例。' }, { id: 52, number: '第二条', text: '本条例适用于……' },
      { id: 53, number: '第三条', text: '新建居住区绿地率不得低于百分之三十。' }],
  }, overrides);
}

function opinion(overrides) {
  return Object.assign({
    id: 9, consultation_id: 5, consultation_title: '怀化市城市绿化条例（草案）', article_id: 53, article_number: '第三条',
    kind: 'citizen', kind_label: '群众', content: '建议提高到百分之三十五。', created_at: at(Date.now()), feedback: null,
    feedback_label: null, feedback_note: '', feedback_at: null,
  }, overrides);
}

const page = (items, req) => json(200, { items, total: items.length, page: Number(req.query.page || 1), per_page: 20 });

test('consultations: a station\'s card leads to the drafts open where it is, and to my opinions', async () => {
  const asked = [];
  const { phone } = unitPhone({
    'GET /api/v1/qr/ST1': () => json(200, { code: 'ST1', kind: 'station', actions: ['file_suggestion'],
      target: { id: 3, name: '城北联络站', deputies: [], deputies_total: 0 }, reception_days: [] }),
    'GET /api/v1/public/consultations': (req) => {
      asked.push(req.query.station_id);
      const listed = draft();
      delete listed.articles; // a list's entries carry no articles
      return page([listed], req);
    },
    'GET /api/v1/consultations/my-opinions': (req) => page([opinion({ feedback: 'partly', feedback_label: '部分采纳',
      feedback_note: '已调整为百分之三十二。' })], req),
  });
  const card = await phone.open('pages/card/card', { code: 'ST1' });
  await card.consultations();
  const list = await phone.follow();
  assert.equal(list.route, 'pages/consultations/list');
  assert.deepEqual(asked, ['3']);
  assert.deepEqual(list.data.drafts.map((c) => [c.id, c.title, c.congress_name]), [
    [5, '怀化市城市绿化条例（草案）', '怀化市人大常委会']]);
  assert.deepEqual(list.data.items.map((o) => [o.articleText, o.feedbackText]), [['第三条', '部分采纳：已调整为百分之三十二。']]);
  await list.open(event({ id: 5 }));
  assert.equal((await phone.follow()).route, 'pages/consultations/detail');
});

test('consultation detail: an opinion on one article, one Idempotency-Key for its retry, then in 我的意见', async () => {
  const keys = [];
  const sent = [];
  let down = true;
  const { phone, wx } = unitPhone({
    'GET /api/v1/public/consultations/5': () => json(200, draft()),
    'GET /api/v1/consultations/my-opinions': (req) => {
      assert.equal(req.query.consultation_id, '5');
      return page(sent.length ? [opinion()] : [], req);
    },
    'POST /api/v1/consultations/5/opinions': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (down) {
        down = false;
        throw new Error('timeout'); // the network failed: nothing was kept
      }
      sent.push(req.data);
      return json(201, opinion());
    },
  });
  const detail = await phone.open('pages/consultations/detail', { id: '5' });
  assert.deepEqual(detail.data.choices, ['对草案整体提意见', '第一条', '第二条', '第三条']);
  assert.equal(detail.data.consultation.note, '正在征求意见');
  await detail.submit();
  assert.equal(keys.length, 0, 'nothing sent without words');
  assert.equal(wx.modals.at(-1) || wx.toasts.at(-1), '请填写您的意见。');

  await detail.onArticle(event({ id: 53 }));
  assert.equal(detail.data.articleIndex, 3);
  await detail.onContent({ detail: { value: ' 建议提高到百分之三十五。 ' } });
  await detail.onPhone({ detail: { value: '12345' } });
  await detail.submit();
  assert.equal(keys.length, 0);
  assert.equal(wx.modals.at(-1) || wx.toasts.at(-1), '联系电话格式不正确，请填写手机号或座机号。');
  assert.equal(wx.calls.requestSubscribeMessage, undefined, 'nothing asked before the form is complete');
  await detail.onPhone({ detail: { value: '13800001111' } });
  await detail.submit(); // the network fails: the words stay, 提交 again
  assert.equal(detail.data.content, ' 建议提高到百分之三十五。 ');
  // 办理结果通知 (the feedback) asked for in the tap, before the opinion is sent; a refusal stops nothing.
  const subscribe = wx.order.findIndex((c) => c.name === 'requestSubscribeMessage');
  const post = wx.order.findIndex((c) => c.name === 'request' && /\/consultations\/5\/opinions$/.test(c.url));
  assert.ok(subscribe >= 0 && subscribe < post, 'consent asked before the opinion');
  wx.subscribeAnswer = 'reject';
  await detail.submit();
  assert.deepEqual(wx.calls.requestSubscribeMessage.map((c) => c.tmplIds), [['tmpl-answer'], ['tmpl-answer']]);
  assert.deepEqual(keys, [keys[0], keys[0]], 'one key for the one opinion');
  assert.deepEqual(sent, [{ content: '建议提高到百分之三十五。', article_id: 53, contact_phone: '13800001111' }]);
  assert.equal(wx.toasts.at(-1), '已提交');
  assert.equal(detail.data.content, '');
  assert.deepEqual(detail.data.mine.map((o) => [o.articleText, o.feedbackText]), [['第三条', '待反馈']]);
});

test('consultation detail: sent, the answer lost, the words changed and sent again: it went through and shows in 我的意见', async () => {
  const keys = [];
  let kept = false;
  const { phone, wx } = unitPhone({
    'GET /api/v1/public/consultations/5': () => json(200, draft()),
    'GET /api/v1/consultations/my-opinions': (req) => page(kept ? [opinion()] : [], req),
    'POST /api/v1/consultations/5/opinions': (req) => {
      keys.push(req.header['Idempotency-Key']);
      if (!kept) {
        kept = true;
        throw new Error('timeout'); // kept; the answer lost
      }
      return error(409, 'idempotency_key_reused', '这次提交与之前的一次提交使用了同一标识，之前的提交可能已经成功，请到“我的”查看。');
    },
  });
  const detail = await phone.open('pages/consultations/detail', { id: '5' });
  await detail.onContent({ detail: { value: '建议提高到百分之三十五。' } });
  await detail.submit();
  await detail.onContent({ detail: { value: '建议提高到百分之四十。' } });
  await detail.submit();
  assert.equal(keys[0], keys[1]);
  assert.equal([...wx.toasts, ...wx.modals].at(-1), '您的意见此前已提交成功（当时网络中断，未能显示结果），可在本页“我的意见”中查看，无需重复提交。');
  assert.deepEqual(detail.data.mine.map((o) => o.articleText), ['第三条']);
  assert.notEqual(detail.submitKey, keys[1], 'a new key for a new opinion');
});

test('consultation detail: closed meanwhile, the server\'s sentence and the draft without its form', async () => {
  let closed = false;
  const { phone, wx } = unitPhone({
    'GET /api/v1/public/consultations/5': () => json(200, closed
      ? draft({ status: 'closed', status_label: '已结束', accepting: false, phase: 'ended', phase_label: '已结束' })
      : draft()),
    'GET /api/v1/consultations/my-opinions': (req) => page([], req),
    'POST /api/v1/consultations/5/opinions': () => {
      closed = true;
      return error(409, 'conflict', '意见征集已结束。');
    },
  });
  const detail = await phone.open('pages/consultations/detail', { id: '5' });
  await detail.onContent({ detail: { value: '赞成。' } });
  await detail.submit();
  assert.ok([...wx.toasts, ...wx.modals].includes('意见征集已结束。'));
  assert.equal(detail.data.consultation.accepting, false);
  assert.equal(detail.data.consultation.note, '已结束');
});

test('consultation detail: its window over before the sweep closes it, it says 已结束 as the server does', async () => {
  const { phone } = unitPhone({
    'GET /api/v1/public/consultations/5': () => json(200, draft({ ends_at: at(Date.now() - 1000), accepting: false,
      phase: 'ended', phase_label: '已结束' })), // status still 'open'
    'GET /api/v1/consultations/my-opinions': (req) => page([], req),
  });
  const detail = await phone.open('pages/consultations/detail', { id: '5' });
  assert.equal(detail.data.consultation.status, 'open');
  assert.equal(detail.data.consultation.note, '已结束');
});

test('consultations list: each draft says when it ends, not "截至 start 至 end"', () => {
  const { presentConsultation } = require('../../utils/consultations');
  const shown = presentConsultation(draft({ starts_at: '2026-11-28T09:15:00Z', ends_at: '2026-12-05T10:15:00Z' }));
  assert.equal(shown.endsText, '2026-12-05 18:15');
  assert.equal(shown.windowText, '2026-11-28 17:15 至 2026-12-05 18:15');
  const wxml = fs.readFileSync(path.join(__dirname, '..', '..', 'pages/consultations/list.wxml'), 'utf8');
  assert.match(wxml, /\{\{item\.congress_name\}\} · 截至 \{\{item\.endsText\}\}/);
  assert.doesNotMatch(wxml, /截至 \{\{item\.windowText\}\}/);
});

test('consultations: a deputy from the home page is shown the drafts where they were elected; a citizen, how to find them', async () => {
  const asked = [];
  const routes = {
    'GET /api/v1/deputies/7': () => json(200, { id: 7, name: '张伟', level: 'city', region_id: 4, region_name: '鹤城区' }),
    'GET /api/v1/public/consultations': (req) => {
      asked.push(req.query);
      return page([draft()], req);
    },
    'GET /api/v1/consultations/my-opinions': (req) => page([], req),
  };
  const { phone } = unitPhone(routes, { user: DEPUTY });
  const list = await phone.open('pages/consultations/list');
  assert.deepEqual(asked.map((q) => q.region_id), ['4']);
  assert.equal(list.data.place, true);
  assert.deepEqual(list.data.drafts.map((c) => c.id), [5]);

  const citizen = unitPhone(routes).phone;
  const theirs = await citizen.open('pages/consultations/list');
  assert.equal(theirs.data.place, false);
  assert.deepEqual(theirs.data.drafts, []);
  assert.equal(asked.length, 1, 'nothing asked without a place');
});
