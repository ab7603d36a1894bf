// 约见代表: what the appointment pages share — how an appointment reads, the phone check the server
// makes, and China-time dates for the confirm pickers.
const { formatTime, PHONE_PATTERN, PHONE_MESSAGE } = require('./format');

const TOPIC_MAX = 500;
const NAME_MAX = 20;
const PREFERRED_MAX = 100;

const STATUS_TABS = [
  { key: 'requested', label: '待确认', query: { status: 'requested' } },
  { key: 'confirmed', label: '已确认', query: { status: 'confirmed' } },
  { key: 'all', label: '全部', query: {} },
];

const HANDLER_ACTIONS = ['confirm', 'decline', 'complete'];

const pad = (n) => (n < 10 ? '0' + n : '' + n);

// A moment (ISO string or ms) as China-time parts: {date: '2026-05-06', time: '09:30'}.
function chinaParts(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (isNaN(ms)) return { date: '', time: '' };
  const d = new Date(ms + 8 * 3600 * 1000);
  return {
    date: d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()),
    time: pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()),
  };
}

// The pickers' date and time (China time, whatever the phone's zone) → the ISO meet_at the server takes.
function meetAt(date, time) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date || '') || !/^\d{2}:\d{2}$/.test(time || '')) return '';
  return date + 'T' + time + ':00+08:00';
}

// "2026-05-06 09:00–12:00" (the end's date too when it ends another day).
function spanText(startsAt, endsAt) {
  const starts = formatTime(startsAt);
  if (!endsAt) return starts;
  const ends = formatTime(endsAt);
  return ends.slice(0, 10) === starts.slice(0, 10) ? starts + '–' + ends.slice(11) : starts + ' 至 ' + ends;
}

// Whom it is addressed to, as a line: the deputy by name, else the station.
function targetText(a) {
  if (a.deputy) return '代表 ' + a.deputy.name + (a.station ? '（' + a.station.name + '）' : '');
  return a.station ? a.station.name : '';
}

// What the citizen asked for: a reception day from the plan (and whether the station cancelled it since),
// or the time they suggested.
function requestedText(a) {
  if (a.activity) {
    return '接待日 ' + spanText(a.activity.starts_at, a.activity.ends_at)
      + (a.activity.status === 'cancelled' ? '（该接待日已取消）' : '');
  }
  return a.preferred_time || '';
}

function presentAppointment(a) {
  const actions = a.actions || [];
  return Object.assign({}, a, {
    targetText: targetText(a),
    requestedText: requestedText(a),
    meetText: formatTime(a.meet_at),
    createdText: formatTime(a.created_at),
    answeredText: formatTime(a.answered_at),
    canConfirm: actions.indexOf('confirm') >= 0,
    canDecline: actions.indexOf('decline') >= 0,
    canComplete: actions.indexOf('complete') >= 0,
    canCancel: actions.indexOf('cancel') >= 0,
    answerable: actions.some((x) => HANDLER_ACTIONS.indexOf(x) >= 0),
  });
}

// A reception day from GET /qr/{code}'s reception_days, as the booking form lists it. A crowded day
// names its first deputies and counts them all (deputies_total; absent from an older server's answer).
function presentDay(day) {
  const names = day.deputies || [];
  const more = day.deputies_total > names.length ? '等 ' + day.deputies_total + ' 位代表' : '';
  const who = names.length ? '接待代表：' + names.join('、') + more : '';
  return Object.assign({}, day, {
    value: String(day.id),
    label: day.when || spanText(day.starts_at, day.ends_at),
    detail: [day.station, day.place && day.place !== day.station ? day.place : '', who].filter(Boolean).join(' · '),
  });
}

module.exports = {
  PHONE_PATTERN, PHONE_MESSAGE, TOPIC_MAX, NAME_MAX, PREFERRED_MAX, STATUS_TABS,
  chinaParts, meetAt, spanText, presentAppointment, presentDay,
};
