// 民生实事项目票决: what the pages show of a round and of a citizen's proposal.
const { formatTime } = require('./format');

const CHOICES = [
  { value: 'for', label: '赞成' },
  { value: 'against', label: '反对' },
  { value: 'abstain', label: '弃权' },
];

// A round as the deputy's list and ballot show it: 可投票 while the window is open and they have not voted,
// 已投票 once they have.
function presentVote(v) {
  const now = Date.now();
  const inWindow = v.status === 'voting' && Date.parse(v.starts_at) <= now && now < Date.parse(v.ends_at);
  let note = v.status_label;
  if (v.has_voted) note = '已投票';
  else if (v.status === 'voting' && Date.parse(v.starts_at) > now) note = '投票尚未开始';
  else if (v.status === 'voting' && !inWindow) note = '投票已结束';
  return Object.assign({}, v, {
    windowText: `${formatTime(v.starts_at)} 至 ${formatTime(v.ends_at)}`,
    canVote: inWindow && !v.has_voted,
    note,
  });
}

// A candidate on the ballot, with the deputy's choice so far ('' for none), and, once closed, the result.
function presentProject(p, choice) {
  return Object.assign({}, p, {
    choice: choice || '',
    resultText: p.adopted === null || p.adopted === undefined ? ''
      : `赞成 ${p.votes_for}，反对 ${p.votes_against}，弃权 ${p.votes_abstain}：${p.adopted ? (p.tied ? '当选（并列）' : '当选') : '未当选'}`,
  });
}

// The candidates not yet given a choice, by title: the form says them before sending.
function missingChoices(projects) {
  return projects.filter((p) => !p.choice).map((p) => p.title);
}

function presentProposal(p) {
  let outcome = '';
  if (p.status === 'adopted') {
    outcome = p.adopted === true ? `已列为“${p.vote_title}”候选项目，票决当选`
      : p.adopted === false ? `已列为“${p.vote_title}”候选项目，票决未当选` : `已列为“${p.vote_title}”候选项目`;
  } else if (p.status === 'declined') {
    outcome = `不予采纳：${p.reason}`;
  }
  return Object.assign({}, p, { createdText: formatTime(p.created_at), outcome });
}

module.exports = { CHOICES, presentVote, presentProject, missingChoices, presentProposal };
