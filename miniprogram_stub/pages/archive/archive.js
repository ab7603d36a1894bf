// 履职档案: the year's activities by type, the 学习培训 attended, suggestions handled, the closed 述职测评
// that rated the deputy, the research teams on the year's topics (调研清单), points by rule, and the grade the year's points earn (履职评价等次) by the deputy's
// own congress's bands — while the year runs, by the points so far.
const api = require('../../utils/api');
const { latestLoad } = require('../../utils/latest');
const { chinaYear, percentText } = require('../../utils/format');

function gradeText(grade) {
  if (!grade) return '';
  return grade.label + (grade.provisional ? '（按当前积分）' : '');
}

// The archive's report_polls as the page lists them: each poll's activity, date, ballots and rates.
function reportPolls(polls) {
  return (polls || []).map((p) => ({
    activity_id: p.activity_id, title: p.title, date: p.date, ballots: p.ballots,
    satisfied: p.satisfied, basically_satisfied: p.basically_satisfied, dissatisfied: p.dissatisfied,
    satisfactionRateText: percentText(p.satisfaction_rate),
    basicSatisfactionRateText: percentText(p.basic_satisfaction_rate),
  }));
}

// The archive's research (调研清单) as the page lists it: the counts, and each team's topic, role and report.
function research(r) {
  if (!r || !r.teams) return null;
  return {
    countsText: `参加调研团队 ${r.teams} 个，提交调研报告 ${r.reports_submitted} 篇，通过审核 ${r.reports_accepted} 篇，`
      + `获领导批示 ${r.reports_instructed} 篇`,
    lines: r.lines.map((line, i) => ({
      key: i, topic: line.topic, theme: line.theme, team: line.team, role: line.role,
      reportTitle: line.report_title || '',
      stateText: line.report_status_label + (line.instructed ? ' · ' + line.instructed_by + '批示' : ''),
    })),
  };
}

// The archive's suggestions as the page words them: those received in the year (by filing) with the statistics'
// rates, the ratings, and those closed in the year (by closing, as the points count 办结). An older server's
// archive, without the rates, says what it has.
function suggestionTexts(s) {
  if (!s || !(s.received || s.closed || s.rejected || s.withdrawn)) return null;
  const filed = `本年度收到 ${s.received} 件`
    + (s.rejected !== undefined ? `（不予受理 ${s.rejected} 件、群众撤回 ${s.withdrawn} 件另计）` : '')
    + (s.should_be_closed !== undefined
      ? `，应办结 ${s.should_be_closed} 件，已办结 ${s.received_closed} 件，办结率 ${percentText(s.closed_rate)}，`
        + `按时办结率 ${percentText(s.on_time_rate)}`
      : '');
  const counts = s.satisfaction || {};
  const rated = s.rated !== undefined
    ? `已评价 ${s.rated} 件：满意 ${counts.satisfied} · 基本满意 ${counts.basically_satisfied} · 不满意 ${counts.dissatisfied}，`
      + `满意率 ${percentText(s.satisfaction_rate)}，基本满意率 ${percentText(s.basic_satisfaction_rate)}（评价 ${s.ratings} 次）`
    : `满意 ${counts.satisfied || 0} · 基本满意 ${counts.basically_satisfied || 0} · 不满意 ${counts.dissatisfied || 0}`;
  const closed = `本年度办结 ${s.closed} 件（按办结时间，与履职积分同一年度），按时办结 ${s.closed_on_time} 件，`
    + `已落实 ${s.closed_implemented} 件`;
  return { filed, rated, closed };
}

Page({
  data: {
    loading: true,
    error: '',
    isDeputy: true,
    year: chinaYear(), // the points year in China time, as the server counts it, whatever the phone's zone
    archive: null,
    empty: false,
    gradeText: '',
    trainingsText: '',
    reportPolls: [],
    research: null,
    suggestionTexts: null,
  },

  onShow() {
    return this.load();
  },

  // A year chosen while the last one loads must not get that year's late answer.
  load() {
    return latestLoad(this, async (current) => {
      const user = await api.deputyOf(this);
      if (!user || !current()) return null;
      const archive = await api.archive(user.deputy_id, this.data.year);
      if (!current()) return null;
      const polls = reportPolls(archive.report_polls);
      const studies = research(archive.research);
      const suggestions = suggestionTexts(archive.suggestions);
      const empty = !archive.activities.length && !suggestions && !archive.points.by_rule.length
        && !polls.length && !studies;
      this.setData({
        loading: false, archive, empty, gradeText: gradeText(archive.points.grade),
        trainingsText: '本年度参加学习培训 ' + (archive.trainings_attended || 0) + ' 次', reportPolls: polls,
        research: studies, suggestionTexts: suggestions,
      });
      return archive;
    });
  },

  onYearChange(e) {
    this.setData({ year: Number(e.detail.value.slice(0, 4)) });
    return this.load();
  },

  bind() {
    wx.navigateTo({ url: '/pages/bind/bind' });
  },
});
