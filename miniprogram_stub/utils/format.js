// Display helpers shared by the pages.
const SATISFACTION = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'dissatisfied', label: '不满意' },
];

const SATISFACTION_LABELS = SATISFACTION.reduce((acc, s) => { acc[s.value] = s.label; return acc; }, {});

const PARTICIPANT_LABELS = {
  invited: '待接单', accepted: '已接单', declined: '已请假', checked_in: '已签到', absent: '缺席',
};

// As the server checks a contact phone (schemas/suggestions.py PHONE), for filing and 约见 alike: a mobile
// or a landline.
const PHONE_PATTERN = /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/;
const PHONE_MESSAGE = '联系电话格式不正确，请填写手机号或座机号。';

const pad = (n) => (n < 10 ? '0' + n : '' + n);

// The year in China time (UTC+8), whatever the phone's zone: the points year the server counts in.
function chinaYear(now) {
  return new Date((now === undefined ? Date.now() : now) + 8 * 3600 * 1000).getUTCFullYear();
}

// ISO 8601 with offset → China time (UTC+8), whatever the phone's zone: "2026-05-01 09:30", or with
// `short` "05-01 09:30" (a list row's deadline, as the console's queue shows it).
function chinaTime(iso, short) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (isNaN(ms)) return String(iso);
  const d = new Date(ms + 8 * 3600 * 1000);
  return (short ? '' : d.getUTCFullYear() + '-') + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' '
    + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}

function formatTime(iso) {
  return chinaTime(iso, false);
}

function shortTime(iso) {
  return chinaTime(iso, true);
}

// The flags a list row shows next to the status: the API's due state (the server's sweep sets it against
// the deadline dueText shows) first.
function flagsOf(item) {
  const flags = [];
  if (item.overdue) flags.push('已超期');
  else if (item.due_soon) flags.push('临期');
  if (item.supervised) flags.push('督办');
  // 不满意 sent it back: the deputy and the citizen see which round this is.
  if (item.round > 1) flags.push('第 ' + item.round + ' 轮办理');
  // A citizen's status already reads 审核中 while the item is held: not twice.
  if (item.held_for_review && item.status_label !== '审核中') flags.push('审核中');
  return flags;
}

// Whether the viewer is the citizen who filed the item, the only one who may rate or withdraw it. The API
// shows `contact_phone` to the filer and to the item's staff (who also get `citizen`), never to a citizen
// who only follows it (offered nearby, or their duplicate was merged into it); the web pages read it so too.
function filedByViewer(item) {
  const has = (key) => Object.prototype.hasOwnProperty.call(item, key);
  return has('contact_phone') && !has('citizen');
}

// The status as a citizen reads it: a duplicate merged into another item is 已合并, not 已办结.
function statusText(item) {
  return item.merged_into ? '已合并' : item.status_label;
}

// What the filer chose when filing, in their words: shown to them and to those handling the item.
function choicesText(item) {
  return (item.anonymous ? '匿名提交' : '实名提交') + ' · ' + (item.public_consent ? '同意办结后公开' : '不公开');
}

// The place, as the item records it: the address when there is one, else the coordinates.
function placeText(location) {
  if (!location) return '';
  if (location.address) return location.address;
  if (typeof location.lat !== 'number' || typeof location.lng !== 'number') return '';
  return '经纬度 ' + location.lat.toFixed(5) + ', ' + location.lng.toFixed(5);
}

// How far a station is (the API's distance_m): 350 米, 1.2 公里, 126 公里; '' when unknown.
function distanceText(meters) {
  if (typeof meters !== 'number' || !(meters >= 0)) return '';
  if (meters < 1000) return Math.round(meters) + ' 米';
  if (meters < 99950) return (meters / 1000).toFixed(1) + ' 公里';
  return Math.round(meters / 1000) + ' 公里';
}

// The deadline the item's clock runs to now, in the words of its page, with its time as `timeText` writes
// it (formatTime on the item's page, shortTime in a list): waiting at its station, when it is due to be
// dispatched, for anyone who sees it — not while it is held for review, when the clock does not run (it
// starts afresh once released); assigned, accepted or forwarded, the deputy's deadline to accept or to
// answer, for the deputy handling it (`handler`). '' when no clock runs.
const DEADLINES = {
  pending: { field: 'dispatch_due_at', anyone: true, words: (time) => '预计分派时限：' + time },
  assigned: { field: 'accept_due_at', words: (time) => '请于 ' + time + ' 前接单' },
  accepted: { field: 'reply_due_at', words: (time) => '请于 ' + time + ' 前答复' },
  forwarded: { field: 'reply_due_at', words: (time) => '请于 ' + time + ' 前答复' },
};

function dueText(item, handler, timeText) {
  const deadline = DEADLINES[item.status];
  if (!deadline || !item[deadline.field] || !(deadline.anyone || handler)) return '';
  if (item.status === 'pending' && item.held_for_review) return '';
  return deadline.words(timeText(item[deadline.field]));
}

function presentSuggestion(item) {
  return Object.assign({}, item, {
    choicesText: choicesText(item),
    placeText: placeText(item.location),
    own: filedByViewer(item),
    statusText: statusText(item),
    createdText: formatTime(item.created_at),
    flags: flagsOf(item),
    satisfactionText: item.satisfaction ? SATISFACTION_LABELS[item.satisfaction] || item.satisfaction : '',
    timeline: (item.timeline || []).map((t, i) => Object.assign({}, t, { key: i, atText: formatTime(t.at) })),
    // 转办工单, on the item's own page: the number and the deputy's satisfaction for its citizen and staff.
    workOrders: (item.work_orders || []).map((w, i) => Object.assign({}, w, {
      key: i, forwardedText: formatTime(w.forwarded_at), feedbackText: formatTime(w.feedback_at),
      // 已撤回: the item left the department unanswered (its deputy left office): no longer awaited.
      withdrawnText: w.feedback_at || !w.withdrawn_at ? '' : '已撤回（' + (w.withdrawn_reason || '未获部门反馈') + '）',
    })),
  });
}

// Where the citizen's rating of an answered item stands, as the deputy's inbox shows it: waiting for it
// (已答复), or given (已办结: the rating; none when the item closed unrated, e.g. by itself after the days
// allowed to rate). '' before the answer.
function ratingText(item) {
  if (item.status === 'replied') return '等待群众评价';
  if (item.status !== 'closed' || item.merged_into) return '';
  return item.satisfaction ? '群众评价：' + (SATISFACTION_LABELS[item.satisfaction] || item.satisfaction) : '群众未评价';
}

// A row of a list of items (the deputy's 待办, 我的建议): the item as its page presents it, with its deadline
// short, for the deputy handling it (`handler`) or anyone else.
function presentRow(item, handler) {
  return Object.assign(presentSuggestion(item), { dueText: dueText(item, handler, shortTime) });
}

// A rate (0..1, or null when nothing was counted) as the console shows it: "60.0%", or "—".
function percentText(rate) {
  return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%';
}

module.exports = {
  PHONE_PATTERN, PHONE_MESSAGE,
  SATISFACTION, SATISFACTION_LABELS, PARTICIPANT_LABELS, chinaYear, formatTime, shortTime, flagsOf, filedByViewer,
  dueText, presentSuggestion, presentRow, ratingText, distanceText, percentText,
};
