// 民生实事项目票决: what the pages show of a round and of a citizen's proposal.
const { formatTime } = require('./format');

const CHOICES = [
  { value: 'for', label: '赞成' },
  { value: 'against', label: '反对' },
  { value: 'abstain', label: '弃权' },
];

// What the ballot page says in place of the form, by the server's reason (cannot_vote_reason).
const CANNOT_VOTE_TEXT = {
  已投票: '您已投票，谢谢！',
  投票尚未开始: '投票尚未开始，请在投票时间内投票。',
  投票已结束: '投票已结束。',
  您已离任: '您已离任，不能在本次票决中投票。',
  不在本次票决的代表名单中: '您不在本次票决的代表名单中，不能投票。',
};

// A round as the deputy's list and ballot show it: 可投票 when the server says this deputy may vote now
// (can_vote), else its reason (已投票, 投票尚未开始, 您已离任, ...); a server without can_vote is answered by
// the phone's clock and has_voted.
function presentVote(v) {
  const now = Date.now();
  const inWindow = v.status === 'voting' && Date.parse(v.starts_at) <= now && now < Date.parse(v.ends_at);
  let reason = v.cannot_vote_reason || null;
  if (typeof v.can_vote !== 'boolean') {
    if (v.has_voted) reason = '已投票';
    else if (v.status === 'voting' && Date.parse(v.starts_at) > now) reason = '投票尚未开始';
    else if (v.status === 'voting' && !inWindow) reason = '投票已结束';
  }
  const canVote = typeof v.can_vote === 'boolean' ? v.can_vote : inWindow && !v.has_voted;
  // The list's tag: 票决无效 for a void round; the reason while the round is open (or once they voted); else
  // the round's status.
  const note = v.void ? '票决无效'
    : !canVote && reason && (v.status === 'voting' || reason === '已投票') ? reason : v.status_label;
  return Object.assign({}, v, {
    windowText: `${formatTime(v.starts_at)} 至 ${formatTime(v.ends_at)}`,
    canVote,
    cannotVoteText: canVote || !reason ? '' : CANNOT_VOTE_TEXT[reason] || reason,
    note,
  });
}

// A candidate on the ballot, with the deputy's choice so far ('' for none); its 责任单位 and 预算, each
// shown when there is one (detailText); once closed, the result — none when the round is void (票决无效:
// closed with too few ballots, its counts null; the round's result_note says why).
function presentProject(p, choice) {
  const details = [];
  if (p.department) details.push(`责任单位：${p.department}`);
  if (p.budget !== null && p.budget !== undefined) details.push(`预算 ${p.budget} 万元`);
  let resultText = '';
  if (p.adopted !== null && p.adopted !== undefined) {
    resultText = p.votes_for === null || p.votes_for === undefined ? '票决无效'
      : `赞成 ${p.votes_for}，反对 ${p.votes_against}，弃权 ${p.votes_abstain}：${p.adopted ? (p.tied ? '当选（并列）' : '当选') : '未当选'}`;
  }
  return Object.assign({}, p, { choice: choice || '', detailText: details.join('；'), resultText });
}

// The candidates not yet given a choice, by title: the form says them before sending.
function missingChoices(projects) {
  return projects.filter((p) => !p.choice).map((p) => p.title);
}

function presentProposal(p) {
  let outcome = '';
  if (p.status === 'adopted') {
    outcome = p.vote_void ? `已列为“${p.vote_title}”候选项目，因投票代表不足，该次票决无效`
      : p.adopted === true ? `已列为“${p.vote_title}”候选项目，票决当选`
      : p.adopted === false ? `已列为“${p.vote_title}”候选项目，票决未当选` : `已列为“${p.vote_title}”候选项目`;
  } else if (p.status === 'declined') {
    outcome = `不予采纳：${p.reason}`;
  }
  return Object.assign({}, p, { createdText: formatTime(p.created_at), outcome });
}

module.exports = { CHOICES, presentVote, presentProject, missingChoices, presentProposal };
