// Unit-test fixtures: a phone whose wx talks to an in-memory router instead of a server.
const { createFakeWx, routerTransport } = require('./fake-wx');
const { Phone } = require('./harness');

const CITIZEN = { id: 1, roles: ['citizen'], display_name: '', deputy_id: null };
const DEPUTY = { id: 2, roles: ['citizen', 'deputy'], display_name: '张伟', deputy_id: 7, phone_masked: '138****0003' };

const json = (statusCode, data) => ({ statusCode, data });
const error = (statusCode, code, message, errors) => json(statusCode, Object.assign({ error: code, message }, errors ? { errors } : {}));

// routes: {'GET /api/v1/x': (req) => json(200, ...)}; POST /auth/wechat answers with `user` and a new token.
function unitPhone(routes, options) {
  const opts = options || {};
  let n = 0;
  const all = Object.assign({
    'POST /api/v1/auth/wechat': (req) => {
      n += 1;
      return json(200, { token: 'token-' + n + '-' + req.data.code, expires_in: 3600, user: opts.user || CITIZEN });
    },
  }, routes);
  const transport = routerTransport(all);
  const wx = createFakeWx(transport, { loginCode: opts.loginCode === undefined ? 'user-1' : opts.loginCode, location: opts.location });
  const phone = new Phone(wx);
  return { phone, wx, transport, routes: all };
}

// A SuggestionOut as the server answers it to the citizen who filed it (who sees `contact_phone`).
function suggestion(overrides) {
  return Object.assign({
    id: 11, number: 'MSB-20260501-000011', status: 'assigned', status_label: '待接单', category: '道路交通',
    content: '路灯不亮', created_at: '2026-05-01T01:30:00+00:00', overdue: false, due_soon: false, supervised: false,
    held_for_review: false, deputy: { id: 7, name: '张伟' }, station: null, attachments: [], timeline: [],
    reply_content: null, satisfaction: null, merged_into: null, anonymous: false, public_consent: false, contact_phone: null,
  }, overrides);
}

// The same item as its deputy and its administrators see it: with the filer (`citizen`, null if anonymous).
function staffView(overrides) {
  return suggestion(Object.assign({ citizen: { id: 1, phone_masked: '139****5678' } }, overrides));
}

// The same item as a citizen who follows it sees it: no contact details at all.
function followerView(overrides) {
  const item = suggestion(overrides);
  delete item.contact_phone;
  return item;
}

// GET /api/v1/suggestions as the server pages it, over the ids ``currentIds()`` gives at each request
// (newest first): a test changes them between pages as other phones would.
function pagedSuggestions(currentIds) {
  return (req) => {
    const ids = currentIds();
    const page = Number(req.query.page);
    const perPage = Number(req.query.per_page);
    const items = ids.slice((page - 1) * perPage, page * perPage).map((id) => suggestion({ id }));
    return json(200, { items, total: ids.length, page, per_page: perPage });
  };
}

module.exports = { unitPhone, json, error, suggestion, pagedSuggestions, staffView, followerView, CITIZEN, DEPUTY };
