// 接单 and 请假 for an activity, shared by the list and the detail page.
const api = require('./api');
const config = require('../config');
const { wxp, toast } = require('./wxp');
const { formatTime, PARTICIPANT_LABELS } = require('./format');

function presentActivity(a) {
  return Object.assign({}, a, {
    startsText: formatTime(a.starts_at),
    endsText: formatTime(a.ends_at),
    myStatusLabel: a.my_status ? PARTICIPANT_LABELS[a.my_status] || a.my_status : '',
    open: a.status === 'published',
    participants: (a.participants || []).map((p, i) => Object.assign({}, p, {
      key: p.deputy ? p.deputy.id : i, checkedInText: formatTime(p.checked_in_at),
    })),
  });
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

// Each subscribe consent allows one message: 接单 is where a deputy wants the reminder before the start
// and word of a cancellation, asked in the tap itself (WeChat allows it only there). A refusal or a
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

module.exports = { presentActivity, accept, decline };
