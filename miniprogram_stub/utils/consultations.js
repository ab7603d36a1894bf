// 立法意见征集: how the pages show a draft and an opinion.
const { formatTime } = require('./format');

function presentConsultation(c) {
  return Object.assign({}, c, {
    windowText: `${formatTime(c.starts_at)} 至 ${formatTime(c.ends_at)}`,
    endsText: formatTime(c.ends_at),
    // The server's label by status and window (尚未开始 / 正在征求意见 / 已结束, already ended before the
    // sweep closes it), so that the page says what the web page and the API say.
    note: c.phase_label,
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
