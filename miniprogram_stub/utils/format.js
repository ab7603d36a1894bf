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

// ISO 8601 with offset → "2026-05-01 09:30" in China time (UTC+8), whatever the phone's zone.
// The year in China time (UTC+8), whatever the phone's zone: the points year the server counts in.
function chinaYear(now) {
  return new Date((now === undefined ? Date.now() : now) + 8 * 3600 * 1000).getUTCFullYear();
}

function formatTime(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (isNaN(ms)) return String(iso);
  const d = new Date(ms + 8 * 3600 * 1000);
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' '
    + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}

// The flags a list row shows next to the status.
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

function presentSuggestion(item) {
  return Object.assign({}, item, {
    choicesText: choicesText(item),
    placeText: placeText(item.location),
    dispatchDueText: formatTime(item.dispatch_due_at),
    acceptDueText: formatTime(item.accept_due_at),
    replyDueText: formatTime(item.reply_due_at),
    own: filedByViewer(item),
    statusText: statusText(item),
    createdText: formatTime(item.created_at),
    flags: flagsOf(item),
    satisfactionText: item.satisfaction ? SATISFACTION_LABELS[item.satisfaction] || item.satisfaction : '',
    timeline: (item.timeline || []).map((t, i) => Object.assign({}, t, { key: i, atText: formatTime(t.at) })),
    // 转办工单, on the item's own page: the number and the deputy's satisfaction for its citizen and staff.
    workOrders: (item.work_orders || []).map((w, i) => Object.assign({}, w, {
      key: i, forwardedText: formatTime(w.forwarded_at), feedbackText: formatTime(w.feedback_at),
    })),
  });
}

// A rate (0..1, or null when nothing was counted) as the console shows it: "60.0%", or "—".
function percentText(rate) {
  return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%';
}

module.exports = {
  PHONE_PATTERN, PHONE_MESSAGE,
  SATISFACTION, SATISFACTION_LABELS, PARTICIPANT_LABELS, chinaYear, formatTime, flagsOf, filedByViewer, presentSuggestion,
  distanceText, percentText,
};
