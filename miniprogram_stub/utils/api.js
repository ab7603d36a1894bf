// The one module that talks to the 码上办 server (API contract v1, under /api/v1).
//
// - Login: wx.login → POST /auth/wechat {code}; the token and user are kept with wx.setStorageSync.
// - A 401 (token expired or forged) logs in again and repeats the request once.
// - Creating requests (POST /suggestions, /uploads, /checkins, /appointments, /activities/{id}/claim,
//   /livelihood/votes/{id}/ballot, /livelihood/proposals) carry an
//   Idempotency-Key, the same key on every retry of one user action, so a flaky network never files anything twice.
// - A step on a suggestion (接单, 退回, 进展, 转办, 反馈, 答复, 评价, 撤回) or an activity (接单, 请假) keeps one
//   Idempotency-Key until the server answers it, so a step sent again after a lost answer reads how the first
//   went (not 409, not twice).
// - The user's roles are read again (GET /me) when the app or the home page shows, at most once a minute,
//   and at once when a deputy's request is refused (403): a deputy who left office, or whose number was bound
//   from another WeChat account, loses the deputy pages then, not when the token ends (7 days).
// - Every error shows the contract's Chinese `message` (wx.showToast, or wx.showModal when long),
//   unless the caller says it handles that status itself (`quiet`); 403 password_change_required says to
//   change the password in the console (管理后台).
const config = require('../config');
const { say } = require('./wxp');

const TOKEN_KEY = 'msb_token';
const USER_KEY = 'msb_user';
// The last 约见 contact phone given (pages/appointment/new), offered again on the next form.
const APPOINTMENT_PHONE_KEY = 'msb_appointment_phone';
// Everything personal this phone keeps besides the token and the user: forgotten after 注销, and when another
// account signs in on this phone (a family's shared phone), as the browser pages forget their drafts.
const PERSONAL_KEYS = [APPOINTMENT_PHONE_KEY];

function forgetPersonal() {
  PERSONAL_KEYS.forEach((key) => wx.removeStorageSync(key));
}

const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试。';
const SERVER_MESSAGE = '服务暂时不可用，请稍后重试。';
const LOGIN_MESSAGE = '微信登录失败，请稍后重试。';
// 403 password_change_required: an administrator's account still on the initial password another administrator
// set (初始密码) may do nothing until its owner changes it, which is done in the console (管理后台), not here.
const PASSWORD_CHANGE_MESSAGE = '您的账号还在使用他人设置的初始密码，请先在电脑上登录管理后台修改密码，再回到小程序使用。';
// A deputy's request refused (403) and GET /me says they are a deputy no more.
const DEPUTY_LOST_MESSAGE = '您的代表身份已解除或已在其他微信上绑定，代表功能已不可用。如有疑问，请联系所在联络站。';
// How long the roles read at sign-in or from GET /me are trusted before the next onShow reads them again.
const ROLES_FRESH_MS = 60 * 1000;

// An Error with the contract's fields, and `reason` (beyond the contract: why, as a word, where several
// refusals share one code, e.g. checkin_refused's location_required). Not a subclass of Error: compiled to
// ES5, subclasses of built-ins lose their prototype on some base libraries; `isApiError` marks it instead.
function ApiError(status, code, message, errors, reason) {
  const err = new Error(message);
  err.name = 'ApiError';
  err.isApiError = true;
  err.status = status;
  err.code = code;
  err.errors = errors || null;
  err.reason = reason || null;
  return err;
}

function apiUrl(path) {
  if (/^https?:\/\//.test(path)) return path;
  const base = String(config.baseUrl).replace(/\/+$/, '');
  return base + (path.indexOf('/api/') === 0 ? path : config.apiPrefix + path);
}

function queryString(params) {
  const parts = [];
  Object.keys(params || {}).forEach((key) => {
    const value = params[key];
    if (value === undefined || value === null || value === '') return;
    parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(String(value)));
  });
  return parts.length ? '?' + parts.join('&') : '';
}

function newIdempotencyKey() {
  const rand = () => (Math.random().toString(36).slice(2) + '00000000').slice(0, 8);
  return 'mp-' + Date.now().toString(36) + '-' + rand() + rand();
}

function parseBody(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (e) {
    return data;
  }
}

function errorFrom(res) {
  const body = parseBody(res.data);
  if (body && typeof body === 'object' && body.error === 'password_change_required') {
    // The server's sentence says to change the password first; here, also where: the mini-program cannot.
    return new ApiError(res.statusCode, body.error, PASSWORD_CHANGE_MESSAGE, body.errors, body.reason);
  }
  if (body && typeof body === 'object' && body.message) {
    return new ApiError(res.statusCode, body.error || 'error', body.message, body.errors, body.reason);
  }
  return new ApiError(res.statusCode, 'http_' + res.statusCode, SERVER_MESSAGE);
}

// A 422's own sentences ({errors: {field: [sentence]}}), for a form to show in place of the general
// "提交的内容有误" message, each after its field's name where `labels` ({field: '工单编号'}) has it; other
// errors give their message.
function errorDetail(err, labels) {
  const found = [];
  const collect = (value, prefix) => {
    if (typeof value === 'string') found.push(prefix + value);
    else if (Array.isArray(value)) value.forEach((v) => collect(v, prefix));
    else if (value && typeof value === 'object') Object.keys(value).forEach((key) => collect(value[key], prefix));
  };
  const errors = (err && err.errors) || {};
  Object.keys(errors).forEach((field) => collect(errors[field], labels && labels[field] ? labels[field] + '：' : ''));
  const unique = found.filter((text, i) => found.indexOf(text) === i);
  return unique.length ? unique.join('\n') : (err && err.message) || SERVER_MESSAGE;
}

// A form's 422: what to correct, in the server's sentences, in place of the general one.
function showCorrections(err, labels) {
  wx.showModal({ title: '请检查填写的内容', content: errorDetail(err, labels), showCancel: false, confirmText: '知道了' });
}

function showError(err) {
  say((err && err.message) || SERVER_MESSAGE);
}

// --- token and user --------------------------------------------------------------------------------

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

function getUser() {
  return wx.getStorageSync(USER_KEY) || null;
}

function setUser(user) {
  wx.setStorageSync(USER_KEY, user);
  if (typeof getApp === 'function') {
    const app = getApp();
    if (app && app.globalData) app.globalData.user = user;
  }
  return user;
}

function clearToken() {
  wx.setStorageSync(TOKEN_KEY, '');
}

function isDeputy(user) {
  return !!(user && Array.isArray(user.roles) && user.roles.indexOf('deputy') >= 0 && user.deputy_id);
}

// Whether `user` is the deputy an item (a suggestion, an appointment) is assigned to.
function handles(user, item) {
  return isDeputy(user) && !!item.deputy && item.deputy.id === user.deputy_id;
}

// A deputy's page (inbox, activities, points, archive, 约见我的): the user when a bound deputy, else null
// with the page showing why: 请先绑定代表身份 (data.isDeputy false) for a citizen, or the login's own error
// (no network, WeChat failing) with 重试, which says nothing about being a deputy.
async function deputyOf(page) {
  let user;
  try {
    user = await ensureLogin();
  } catch (err) {
    page.setData({ loading: false, error: err.message });
    return null;
  }
  page.setData({ isDeputy: isDeputy(user) });
  if (!isDeputy(user)) {
    page.setData({ loading: false });
    return null;
  }
  return user;
}

// --- transport ---------------------------------------------------------------------------------------

function send(method, path, data, header) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: apiUrl(path),
      method,
      data,
      header: Object.assign({ 'content-type': 'application/json' }, header),
      timeout: config.requestTimeoutMs,
      success: (res) => resolve({ statusCode: res.statusCode, data: parseBody(res.data) }),
      fail: () => reject(new ApiError(0, 'network_error', NETWORK_MESSAGE)),
    });
  });
}

let loginInFlight = null;
let rolesReadAt = 0; // when the stored roles were last read from the server (sign-in or GET /me)
let rolesInFlight = null;

async function doLogin() {
  let code = config.dev && config.dev.loginCode; // offline demos only, see config.js
  try {
    if (!code) code = (await new Promise((resolve, reject) => wx.login({ success: resolve, fail: reject }))).code;
  } catch (e) {
    throw new ApiError(0, 'wx_login_failed', LOGIN_MESSAGE);
  }
  if (!code) throw new ApiError(0, 'wx_login_failed', LOGIN_MESSAGE);
  const res = await send('POST', '/auth/wechat', { code });
  if (res.statusCode !== 200) throw errorFrom(res);
  wx.setStorageSync(TOKEN_KEY, res.data.token);
  rolesReadAt = Date.now();
  adoptUser(res.data.user);
  return res.data.user;
}

// One login at a time: pages loading together share it.
function login() {
  if (!loginInFlight) {
    loginInFlight = doLogin().then(
      (user) => { loginInFlight = null; return user; },
      (err) => { loginInFlight = null; throw err; },
    );
  }
  return loginInFlight;
}

async function ensureLogin() {
  if (getToken() && getUser()) return getUser();
  return login();
}

// The open pages that show a deputy's part (data.isDeputy) stop showing it once the server says the user is
// a deputy no more: a deputy page shows 请先绑定代表身份, the home page its 绑定代表身份 card instead of the
// deputy's menu. A page that gained the role shows it when it shows next (onShow reads the user again).
function adoptUser(user) {
  const was = getUser();
  if (was && user && was.id !== user.id) forgetPersonal(); // another account on this phone
  setUser(user);
  if (isDeputy(was) && !isDeputy(user) && typeof getCurrentPages === 'function') {
    (getCurrentPages() || []).forEach((page) => {
      if (page && page.data && page.data.isDeputy === true) page.setData({ isDeputy: false });
    });
  }
  return user;
}

// The user with their roles as the server has them now (GET /me), read at most once a minute unless
// `force`; the stored user when the server cannot be asked (no network: the pages say so when they load).
function refreshUser(options) {
  const force = !!(options && options.force);
  if (!getToken() || !getUser()) return ensureLogin(); // signing in reads the roles
  if (!force && !rolesInFlight && Date.now() - rolesReadAt < ROLES_FRESH_MS) return Promise.resolve(getUser());
  if (!rolesInFlight) {
    rolesInFlight = call('GET', '/me', { quiet: true, rolesChecked: true })
      .then((user) => { rolesReadAt = Date.now(); return adoptUser(user); }, () => getUser())
      .then((user) => { rolesInFlight = null; return user; });
  }
  return rolesInFlight;
}

// quiet: true, or the statuses and error codes (e.g. 'idempotency_key_reused') the page explains itself.
function isQuiet(quiet, err) {
  if (quiet === true) return true;
  return Array.isArray(quiet) && (quiet.indexOf(err.status) >= 0 || quiet.indexOf(err.code) >= 0);
}

// Runs `attempt(headers)` (→ {statusCode, data}) logged in; on 401 logs in again (once for requests refused
// together) and repeats it once.
async function authorized(attempt, options) {
  const opts = options || {};
  try {
    await ensureLogin();
    const headers = () => {
      const h = { Authorization: 'Bearer ' + getToken() };
      if (opts.idempotencyKey) h['Idempotency-Key'] = opts.idempotencyKey;
      return h;
    };
    const sent = getToken();
    let res = await attempt(headers());
    if (res.statusCode === 401) {
      // Refused with a token another request has renewed meanwhile: repeat with the new one; refused while
      // another's renewal is on its way (the token cleared): wait for it; else log in.
      if (getToken() === sent) {
        clearToken();
        await login();
      } else if (!getToken()) {
        await login();
      }
      res = await attempt(headers());
    }
    if (res.statusCode === 403 && !opts.rolesChecked && isDeputy(getUser())) {
      // A deputy refused: perhaps no deputy any more. Then say so, in place of the page's own refusal.
      const user = await refreshUser({ force: true });
      if (!isDeputy(user)) throw new ApiError(403, 'deputy_role_lost', DEPUTY_LOST_MESSAGE);
    }
    if (res.statusCode >= 400) throw errorFrom(res);
    return res.data;
  } catch (err) {
    const error = err && err.isApiError ? err : new ApiError(0, 'client_error', SERVER_MESSAGE);
    if (!isQuiet(opts.quiet, error)) showError(error);
    throw error;
  }
}

// call('GET', '/suggestions', {query: {scope: 'mine'}}); call('POST', '/suggestions', {data, idempotencyKey}).
function call(method, path, options) {
  const opts = options || {};
  const fullPath = path + queryString(opts.query);
  if (opts.auth === false) {
    return send(method, fullPath, opts.data, {}).then((res) => {
      if (res.statusCode >= 400) throw errorFrom(res);
      return res.data;
    }).catch((err) => {
      if (!isQuiet(opts.quiet, err)) showError(err);
      throw err;
    });
  }
  return authorized((headers) => send(method, fullPath, opts.data, headers), opts);
}

// POST /uploads: one photo by wx.uploadFile (multipart field `file`), with its own Idempotency-Key.
function upload(filePath, idempotencyKey, options) {
  const opts = Object.assign({}, options, { idempotencyKey: idempotencyKey || newIdempotencyKey() });
  return authorized((headers) => new Promise((resolve, reject) => {
    wx.uploadFile({
      url: apiUrl('/uploads'),
      filePath,
      name: 'file',
      header: headers,
      timeout: config.requestTimeoutMs * 4,
      success: (res) => resolve({ statusCode: res.statusCode, data: parseBody(res.data) }),
      fail: () => reject(new ApiError(0, 'network_error', NETWORK_MESSAGE)),
    });
  }), opts);
}

// A protected photo (GET /uploads/{key} needs the token, which <image src> cannot send) → a local path.
function downloadImage(url, options) {
  return authorized((headers) => new Promise((resolve, reject) => {
    wx.downloadFile({
      url: apiUrl(url),
      header: headers,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.statusCode < 400 ? res.tempFilePath : '' }),
      fail: () => reject(new ApiError(0, 'network_error', NETWORK_MESSAGE)),
    });
  }), Object.assign({ quiet: true }, options));
}

// --- a suggestion's and an activity's steps ---------------------------------------------------------------
// One Idempotency-Key per step the user takes, kept until the server answers it: tapped again after a lost
// answer (the same item, step and words) it carries the same key, and the server answers with how the
// first went, neither refusing it (409 不能评价, 您已接单) nor recording it twice (a second 办理进展). An answered
// step, or the same step with other words, takes a new key. Kept for the app's life, so that a page opened
// again retries with it too.
// (关注 needs none: following twice is following.)
const KEYED_STEPS = ['accept', 'return', 'progress', 'forward', 'feedback', 'reply', 'rate', 'withdraw'];
// An activity's 接单 and 请假 (揭榜 keeps its own key: utils/activity.js).
const KEYED_ACTIVITY_STEPS = ['accept', 'decline'];
// An appointment's 取消, 婉拒 and 已接待 (确认 sent again as it stands changes nothing on the server).
const KEYED_APPOINTMENT_STEPS = ['cancel', 'decline', 'complete'];
const stepKeys = {};

function suggestionAction(id, action, data, options) {
  const body = data || {};
  const path = '/suggestions/' + encodeURIComponent(id) + '/' + action;
  if (KEYED_STEPS.indexOf(action) < 0) return call('POST', path, Object.assign({ data: body }, options));
  return keyedStep(id + '/' + action, path, body, options);
}

function activityAction(id, action, data, options) {
  const body = data || {};
  const path = '/activities/' + encodeURIComponent(id) + '/' + action;
  if (KEYED_ACTIVITY_STEPS.indexOf(action) < 0) return call('POST', path, Object.assign({ data: body }, options));
  return keyedStep('activity/' + id + '/' + action, path, body, options);
}

function appointmentAction(id, action, data, options) {
  const body = data || {};
  const path = '/appointments/' + encodeURIComponent(id) + '/' + action;
  if (KEYED_APPOINTMENT_STEPS.indexOf(action) < 0) return call('POST', path, Object.assign({ data: body }, options));
  return keyedStep('appointment/' + id + '/' + action, path, body, options);
}

// POST ``path`` with the key of the step in ``slot`` (a new one unless the same words wait for an answer).
function keyedStep(slot, path, body, options) {
  const words = JSON.stringify(body);
  if (!stepKeys[slot] || stepKeys[slot].words !== words) stepKeys[slot] = { words, key: newIdempotencyKey() };
  const key = stepKeys[slot].key;
  const settle = (err) => {
    // No answer, or a server failing (it stores nothing then): the next tap is a retry of this one.
    if (err && (!err.status || err.status >= 500)) return;
    if (stepKeys[slot] && stepKeys[slot].key === key) delete stepKeys[slot];
  };
  return call('POST', path, Object.assign({ data: body, idempotencyKey: key }, options)).then(
    (item) => { settle(null); return item; },
    (err) => { settle(err); throw err; },
  );
}

// --- the endpoints the pages use -------------------------------------------------------------------

const enc = encodeURIComponent;

module.exports = {
  ApiError,
  TOKEN_KEY,
  USER_KEY,
  APPOINTMENT_PHONE_KEY,
  apiUrl,
  queryString,
  newIdempotencyKey,
  errorDetail,
  showCorrections,
  showError,
  call,
  upload,
  downloadImage,
  login,
  ensureLogin,
  getUser,
  setUser,
  getToken,
  isDeputy,
  handles,
  deputyOf,

  refreshUser,
  me: () => call('GET', '/me', { rolesChecked: true }).then((user) => { rolesReadAt = Date.now(); return adoptUser(user); }),
  bindPhone: (code) => call('POST', '/auth/bind-phone', { data: { code } }).then((res) => setUser(res.user)),
  // A console account's reminders to this WeChat user; the page shows refusals itself.
  // 个人信息 and 注销账号 (citizens only: a deputy or an administrator gets 403 saying whom to ask).
  personalData: () => call('GET', '/me/personal-data', { quiet: [403] }),
  // 联系我的常委会组成人员和专门委员会 (a deputy's; names, kinds and duties, nobody's phone).
  myLiaisons: () => call('GET', '/me/liaisons', { query: { per_page: 50 }, quiet: true }),
  eraseAccount: () => call('DELETE', '/me', { quiet: [403, 409] }),
  // 消息中心: every notice sent to this user, read or not; the badge's count asks quietly (a badge that
  // cannot load is no error to show).
  messages: (query) => call('GET', '/me/messages', { query }),
  unreadMessages: () => call('GET', '/me/messages/unread-count', { quiet: true }).then((res) => res.unread),
  // The newest message, the count of all and of the unread: whether a list shown is still the list (quiet).
  newestMessage: () => call('GET', '/me/messages', { query: { page: 1, per_page: 1 }, quiet: true }),
  // ids: the messages tapped; none: 全部已读.
  markMessagesRead: (ids) => call('POST', '/me/messages/read', { data: ids ? { ids } : { all: true } }),
  // After 注销: this phone forgets the token and the user; the next call signs in as a new, empty account.
  forgetSession: () => {
    clearToken();
    wx.setStorageSync(USER_KEY, '');
    forgetPersonal();
    if (typeof getApp === 'function') {
      const app = getApp();
      if (app && app.globalData) app.globalData.user = null;
    }
  },
  linkAdminAccount: (code) => call('POST', '/me/admin-link', { data: { code }, quiet: [403, 422] }),

  // 404 and 410 are the scan page's to explain, not a toast's.
  resolveQr: (code) => call('GET', '/qr/' + enc(code), { quiet: [404, 410] }),

  categories: () => call('GET', '/suggestions/categories'),
  nearby: (query) => call('GET', '/suggestions/nearby', { query }),
  // The filing form explains its own 422 (errorDetail), and a key sent again with a changed form (utils/resubmit).
  fileSuggestion: (data, idempotencyKey) => call('POST', '/suggestions',
    { data, idempotencyKey, quiet: [422, 'idempotency_key_reused'] }),
  suggestions: (query) => call('GET', '/suggestions', { query }),
  suggestion: (id) => call('GET', '/suggestions/' + enc(id)),
  // accept | return | progress | forward | feedback | reply | rate | withdraw | follow, each with its step's
  // Idempotency-Key (above); options: {quiet} for a form that explains its own 422.
  suggestionAction,
  uploadPhoto: (filePath, idempotencyKey) => upload(filePath, idempotencyKey),

  activities: (query) => call('GET', '/activities', { query }),
  // options: {quiet} for a page that reads the activity again after a refusal it has shown.
  activity: (id, options) => call('GET', '/activities/' + enc(id), options),
  // accept | decline
  // 接单 and 请假, each with its step's Idempotency-Key, as a suggestion's steps (above).
  activityAction,
  // 揭榜: a place of an activity offering them (open_slots), with the same Idempotency-Key for every retry.
  claimActivity: (id, idempotencyKey) => call('POST', '/activities/' + enc(id) + '/claim', { data: {}, idempotencyKey }),
  checkin: (data, idempotencyKey) => call('POST', '/checkins', { data, idempotencyKey }),

  // 约见代表. A form explains its own 422 (errorDetail); each answer returns the appointment as it is now.
  requestAppointment: (data, idempotencyKey) => call('POST', '/appointments',
    { data, idempotencyKey, quiet: [422, 'idempotency_key_reused'] }),
  appointments: (query) => call('GET', '/appointments', { query }),
  appointment: (id) => call('GET', '/appointments/' + enc(id)),
  // confirm | decline | complete | cancel
  appointmentAction,
  station: (id) => call('GET', '/stations/' + enc(id), { quiet: true }),
  // 附近联络站: {near: 'lat,lng' (gcj02), q, page, per_page} → stations nearest first, with distance_m.
  stations: (query) => call('GET', '/stations', { query }),

  // A station's deputies (进站代表), public profiles: {station_id, q (name), page, per_page}.
  deputies: (query) => call('GET', '/deputies', { query }),

  // options: {quiet} for the leaderboard's own line (the board shows without it).
  points: (deputyId, year, options) => call('GET', '/deputies/' + enc(deputyId) + '/points',
    Object.assign({ query: { year } }, options)),
  archive: (deputyId, year) => call('GET', '/deputies/' + enc(deputyId) + '/archive', { query: { year } }),
  leaderboard: (query) => call('GET', '/leaderboard', { query }),

  // 民生实事项目票决. A deputy: the rounds they may vote in, one round, and their one ballot (the same
  // Idempotency-Key on every retry; the ballot page explains its own 409 and 422).
  livelihoodVotes: (query) => call('GET', '/livelihood/votes', { query }),
  livelihoodVote: (id, options) => call('GET', '/livelihood/votes/' + enc(id), options),
  castBallot: (id, choices, idempotencyKey) => call('POST', '/livelihood/votes/' + enc(id) + '/ballot',
    { data: { choices }, idempotencyKey, quiet: [409, 422] }),
  // 群众下单: a citizen's proposal to a congress (a region), and their own proposals with what became of them.
  proposeLivelihood: (data, idempotencyKey) => call('POST', '/livelihood/proposals',
    { data, idempotencyKey, quiet: [422, 'idempotency_key_reused'] }),
  livelihoodProposals: (query) => call('GET', '/livelihood/proposals', { query }),
  regions: (query) => call('GET', '/regions', { query }),

  // 调研清单 (揭榜式调研), a deputy's side: the published topics they may take (scope=open), one topic with its
  // teams, 领题 (the caller leads, with the members they name; the same Idempotency-Key for every retry), a
  // team with its report, 放弃领题 (the lead, before a report), the report submitted or resubmitted (the lead;
  // the same key for its retries), and the deputy's own teams. The pages explain their own 409 and 422 (the server's sentence).
  researchTopics: (query) => call('GET', '/research/topics', { query: Object.assign({ scope: 'open' }, query) }),
  researchTopic: (id, options) => call('GET', '/research/topics/' + enc(id), options),
  // The colleagues the deputy may name on their team for a topic (in office, in its reach, on no team of it),
  // found by name (q), paged: id, name, level and region only.
  researchEligibleMembers: (id, query) => call('GET', '/research/topics/' + enc(id) + '/eligible-members', { query }),
  takeResearchTopic: (id, data, idempotencyKey) => call('POST', '/research/topics/' + enc(id) + '/teams',
    { data, idempotencyKey, quiet: [403, 409, 422] }),
  researchTeam: (id, options) => call('GET', '/research/teams/' + enc(id), options),
  abandonResearchTeam: (id) => call('POST', '/research/teams/' + enc(id) + '/abandon', { data: {}, quiet: [403, 409] }),
  leaveResearchTeam: (id) => call('POST', '/research/teams/' + enc(id) + '/leave', { data: {}, quiet: [403, 409] }),
  submitResearchReport: (id, data, idempotencyKey) => call('POST', '/research/teams/' + enc(id) + '/report',
    { data, idempotencyKey, quiet: [403, 409, 422] }),
  myResearch: (query) => call('GET', '/me/research', { query }),

  // 立法意见征集: the drafts open for comment where a station is (its region's congresses), one draft by
  // article, an opinion on it (the same Idempotency-Key on every retry; the page explains its own 409 and
  // 422), and the caller's own opinions with the feedback given.
  consultations: (query) => call('GET', '/public/consultations', { query }),
  // A deputy's own public profile: where they were elected (region_id), for the drafts they are asked about.
  deputyProfile: (id) => call('GET', '/deputies/' + enc(id), { quiet: true }),
  consultation: (id) => call('GET', '/public/consultations/' + enc(id)),
  giveOpinion: (id, data, idempotencyKey) => call('POST', '/consultations/' + enc(id) + '/opinions',
    { data, idempotencyKey, quiet: [409, 422] }),
  myOpinions: (query) => call('GET', '/consultations/my-opinions', { query }),
};
