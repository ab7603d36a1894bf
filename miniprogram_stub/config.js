// The one place that says which server the mini-program talks to.
// Local development: `make run` serves http://127.0.0.1:5000 (enable "不校验合法域名" in DevTools).
// Production: the HTTPS origin configured as the mini-program's request/uploadFile/downloadFile domain.
module.exports = {
  // Server origin; the API lives under /api/v1.
  baseUrl: 'http://127.0.0.1:5000',
  apiPrefix: '/api/v1',
  // Subscribe-message template ids as registered in the mini-program console (backend WECHAT_TEMPLATES).
  // wx.requestSubscribeMessage accepts at most 3 ids per call.
  subscribeTemplates: {
    // asked of a citizen just before filing: accepted, replied, reopened
    citizen: ['tmpl-accepted', 'tmpl-replied', 'tmpl-reopened'],
    // asked of a deputy in the inbox (开启新建议和超期提醒): new item, overdue
    deputy: ['tmpl-new-item', 'tmpl-overdue'],
    // asked of a deputy in the inbox and on the activities page (开启发单和揭榜提醒): an activity they are
    // invited to (发单), and one offering places they may claim (揭榜). Two templates, so that notices of places,
    // sent to every deputy who may claim one, never spend the consent an invitation needs.
    newActivities: ['tmpl-activity', 'tmpl-activity-claim'],
    // asked of a deputy accepting an item (接单, in the inbox or on the item's page): 督办 while they handle it
    handling: ['tmpl-supervised'],
    // asked of a deputy answering (答复): the server tells them when the citizen is not satisfied (重新交办)
    replying: ['tmpl-reopened'],
    // asked of a citizen rating 不满意: filing's consents are spent by the first answer and this re-opening,
    // so the next round's answer, and a re-opening after it, each need a new one
    reopening: ['tmpl-replied', 'tmpl-reopened'],
    // asked of a deputy accepting an activity (接单, or 揭榜): the reminder before it starts, a cancellation (or being
    // taken off it), and a new time or place (改期、改地点)
    activity: ['tmpl-activity-reminder', 'tmpl-activity-cancelled', 'tmpl-activity-changed'],
    // asked of a citizen asking to meet a deputy (约见代表, pages/appointment/new): confirmed or declined, and
    // the reminder before the meeting; asked of a deputy confirming one (the reminder)
    appointmentResult: ['tmpl-appointment-result'],
    // asked of a citizen proposing a 民生实事 project (pages/livelihood/propose) or giving an opinion on a draft
    // regulation (pages/consultations/detail, a deputy too): 办理结果通知, the proposal adopted or declined, the
    // opinion's feedback
    answer: ['tmpl-answer'],
    // asked of a deputy on 约见我的 (开启提醒): a new request or a cancellation
    appointment: ['tmpl-appointment'],
    // asked of an administrator linking their console account (pages/link): overdue items, items put under
    // supervision (督办) because the deputy was not satisfied with a department's handling, and a research
    // topic's report waiting for review (调研课题进展通知, 待审核). Three: as many as WeChat asks at a time.
    admin: ['tmpl-overdue', 'tmpl-supervised', 'tmpl-research'],
    // asked of a deputy taking a research topic (pages/research/topic, 领题: the topic withdrawn, a member
    // leaving) and submitting its report (pages/research/team, the lead): 调研课题进展通知, the report
    // returned (退回修改), accepted (已通过) or instructed on (获领导批示)
    research: ['tmpl-research'],
  },
  maxPhotos: 9,
  // Offline demos only (the server in WECHAT_MODE=fake, with its WeChat stand-in): fixed codes in place of
  // WeChat's, so that DevTools logs in as the same citizen every time (stand-in: code X → openid
  // fake-openid-X) and can bind as a demo deputy (phone code phone-<digits>). Leave both empty in a real
  // mini-program.
  dev: {
    loginCode: '', // e.g. 'devtools-citizen'
    phoneCode: '', // e.g. 'phone-13800000003' (张伟 in the demo data)
  },
  requestTimeoutMs: 15000,
};
