// 接单, 请假 and 揭榜 for an activity, shared by the list and the detail page.
const api = require('./api');
const config = require('../config');
const { wxp, toast } = require('./wxp');
const { formatTime, PARTICIPANT_LABELS } = require('./format');

// What the deputy may do, as the server allows it: 接单 while invited or on leave (withdrawing the leave)
// until the activity is over (after it the server refuses: 活动已经结束，不能再接单), 请假 only before the start
// (after it the server refuses: 活动已经开始，不能再请假), 签到 while expected, 揭榜 when the server says so
// (`can_claim`).
//
// 揭榜: an activity offering places (`open_slots` not null) shows them taken as 已揭榜 n / m; a deputy who holds
// one is told 您已揭榜, and one without a place (not on the list, or who claimed one and gave it back by 请假)
// is told 名额已满 when none is left — then 接单 again would be refused (揭榜名额已满，不能重新接单).
function presentActivity(a) {
  const open = a.status === 'published';
  const mine = a.my_status;
  const started = Date.parse(a.starts_at) <= Date.now();
  const ended = Date.parse(a.ends_at) <= Date.now();
  const hasSlots = a.open_slots !== null && a.open_slots !== undefined;
  const taken = a.claimed_count || 0;
  const full = hasSlots && taken >= a.open_slots;
  const gaveBack = !!a.claimed && mine === 'declined';
  const holdsPlace = !!a.claimed && !gaveBack;
  return Object.assign({}, a, {
    startsText: formatTime(a.starts_at),
    endsText: formatTime(a.ends_at),
    myStatusLabel: mine ? PARTICIPANT_LABELS[mine] || mine : '',
    open,
    started,
    hasSlots,
    slotsText: hasSlots ? `已揭榜 ${taken} / ${a.open_slots}` : '',
    claimNote: holdsPlace ? '您已揭榜' : (full && (!mine || gaveBack) ? '名额已满' : ''),
    canClaim: open && !!a.can_claim,
    canAccept: open && !ended && (mine === 'invited' || mine === 'declined') && !(gaveBack && full),
    canDecline: open && !started && (mine === 'invited' || mine === 'accepted'),
    canCheckin: open && (mine === 'invited' || mine === 'accepted'),
    // 仅限现场动态码: the station's printed code is refused (reason screen_code_required); say so before the scan.
    checkinModeNote: a.checkin_mode === 'screen_only' ? '本次活动仅限扫描活动现场大屏上的动态签到码签到，联络站二维码不能用于签到。' : '',
    participants: (a.participants || []).map((p, i) => Object.assign({}, p, {
      key: p.deputy ? p.deputy.id : i, checkedInText: formatTime(p.checked_in_at),
    })),
    participantsNote: participantsNote(a),
  });
}

// A large activity (列席会议 for a whole district) names its first 100 deputies and the deputy's own
// entry: say how many are invited in all, and how many have checked in.
function participantsNote(a) {
  const shown = (a.participants || []).length;
  const total = a.participants_total;
  if (!total || total <= shown) return '';
  const checkedIn = (a.participant_counts && a.participant_counts.checked_in) || 0;
  return `共 ${total} 位代表受邀，已签到 ${checkedIn} 位；此处列出其中 ${shown} 位。`;
}

// One 接单 or 请假 at a time per activity: a double tap must not send a second one, which the server
// would refuse (already accepted) with an error after the success.
const busy = {};

function once(id, step) {
  if (busy[id]) return Promise.resolve(null);
  busy[id] = true;
  return step().then(
    (result) => { delete busy[id]; return result; },
    (err) => { delete busy[id]; throw err; },
  );
}

// Each subscribe consent allows one message: 接单 is where a deputy wants the reminder before the start,
// word of a cancellation and of a new time or place, asked in the tap itself (WeChat allows it only there). A refusal or a
// failure does not stop the acceptance.
function accept(id) {
  return once(id, async () => {
    await wxp('requestSubscribeMessage', { tmplIds: config.subscribeTemplates.activity }).catch(() => null);
    try {
      const activity = await api.activityAction(id, 'accept');
      toast('已接单', 'success');
      return activity;
    } catch (err) {
      return null; // shown by the API module
    }
  });
}

// 请假 needs a reason: asked in an editable modal.
function decline(id) {
  return once(id, async () => {
    const res = await wxp('showModal', {
      title: '请假', editable: true, placeholderText: '请填写请假理由', confirmText: '提交',
    }).catch(() => ({ confirm: false }));
    if (!res.confirm) return null;
    const reason = String(res.content || '').trim();
    if (!reason) {
      toast('请填写请假理由');
      return null;
    }
    try {
      const activity = await api.activityAction(id, 'decline', { reason });
      toast('已请假', 'success');
      return activity;
    } catch (err) {
      return null;
    }
  });
}

// 揭榜: asks in the tap for the same reminders as 接单 (the claim is an acceptance), then claims a place. A
// claim whose answer was lost is sent again with the same Idempotency-Key; one the server answered, either
// way, is done with it. A refusal (409: the places are gone, the activity has ended or stopped 揭榜) is
// shown by the API module in the server's words, and the activity is read again so that the page shows it
// as it is now (名额已满) rather than a 揭榜 button that can only be refused again.
const claimKeys = {};

function claim(id) {
  return once(id, async () => {
    await wxp('requestSubscribeMessage', { tmplIds: config.subscribeTemplates.activity }).catch(() => null);
    claimKeys[id] = claimKeys[id] || api.newIdempotencyKey();
    try {
      const activity = await api.claimActivity(id, claimKeys[id]);
      delete claimKeys[id];
      // 200 for a deputy on the list already: a retried claim (claimed), or one invited meanwhile.
      toast(activity.claimed ? '揭榜成功' : '您已在活动名单中', activity.claimed ? 'success' : 'none');
      return activity;
    } catch (err) {
      if (err && err.status) delete claimKeys[id]; // answered: a new tap is a new claim
      if (!err || err.status !== 409) return null;
      return api.activity(id, { quiet: true }).catch(() => null);
    }
  });
}

module.exports = { presentActivity, accept, decline, claim };
