// 调研清单 (揭榜式调研): how the pages show a topic, a team and its report.
const { formatTime } = require('./format');

// 已领 N/M 团队 (no limit: 已领 N 个团队).
function takenText(t) {
  return t.max_teams == null ? `已领 ${t.teams_taken} 个团队` : `已领 ${t.teams_taken}/${t.max_teams} 团队`;
}

function presentTopic(t) {
  const full = t.max_teams != null && t.teams_taken >= t.max_teams;
  return Object.assign({}, t, {
    takenText: takenText(t),
    dueText: t.due_date ? `${t.due_date} 前提交报告` : '不限提交日期',
    mine: t.my_team_id != null,
    full,
    withdrawn: t.status === 'withdrawn',
    // What the list's tag says: 已撤回 first (no team goes on), then the deputy's own team, then whether a
    // place is left.
    note: t.status === 'withdrawn' ? '已撤回'
      : (t.my_team_id != null ? '已在团队中' : (full ? '名额已满' : (t.can_take ? '可领题' : ''))),
  });
}

// A report's state as the team's page says it: 待审核, 退回修改 with the reason, 已通过, 获领导批示 with who and what.
function presentReport(r) {
  if (!r) return null;
  return Object.assign({}, r, {
    stateText: r.instructed ? '获领导批示' : r.status_label,
    submittedText: formatTime(r.submitted_at),
    reviewedText: formatTime(r.reviewed_at),
    returned: r.status === 'returned',
    accepted: r.status === 'accepted',
    waiting: r.status === 'submitted',
    // 逾期提交: the server's `late` (submitted after the topic's due date).
    lateText: r.late ? '逾期提交' : '',
  });
}

function presentTeam(team, deputyId) {
  const report = presentReport(team.report);
  const active = team.status === 'active';
  const lead = team.lead_deputy_id === deputyId;
  return Object.assign({}, team, {
    report,
    active,
    isLead: lead,
    membersText: (team.members || []).map((m) => m.name + (m.is_lead ? '（牵头）' : '')).join('、'),
    reportText: report ? report.stateText : '未提交',
    // The lead's actions: the report's form (first time, or after 退回修改); 放弃领题 before any report.
    canSubmit: active && lead && (!report || report.returned),
    canAbandon: active && lead && !report,
    // A member the lead named leaves the team themself (退出团队) until the report is accepted.
    canLeave: active && !lead && deputyId != null && (team.members || []).some((m) => m.deputy_id === deputyId)
      && !(report && report.accepted),
  });
}

// A row of 我的调研 (GET /me/research): the team, its topic, the deputy's role and the report's state.
function presentMyTeam(item, deputyId) {
  return Object.assign(presentTeam(item, deputyId), {
    topic: presentTopic(item.topic),
    roleText: item.role === 'lead' ? '牵头' : '成员',
    reportText: item.report && item.report.instructed ? '获领导批示' : item.report_status_label,
  });
}

module.exports = { presentTopic, presentReport, presentTeam, presentMyTeam, takenText };
