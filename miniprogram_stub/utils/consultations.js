// 立法意见征集: how the pages show a draft and an opinion.
const { formatTime } = require('./format');

function presentConsultation(c) {
  return Object.assign({}, c, {
    windowText: `${formatTime(c.starts_at)} 至 ${formatTime(c.ends_at)}`,
    note: c.accepting ? '正在征求意见' : (c.status === 'closed' ? '征求意见已结束' : '尚未开始'),
  });
}

function presentOpinion(o) {
  return Object.assign({}, o, {
    articleText: o.article_number || '对草案整体',
    createdText: formatTime(o.created_at),
    feedbackText: o.feedback_label ? o.feedback_label + (o.feedback_note ? '：' + o.feedback_note : '') : '待反馈',
  });
}

module.exports = { presentConsultation, presentOpinion };
