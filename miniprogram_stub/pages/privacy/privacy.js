// 个人信息: what 码上办 holds about this citizen (GET /me/personal-data, 个人信息保护法第四十五条), and
// 注销账号 (DELETE /me, 第四十七条): asked once in a dialog that says what is erased and what is kept; once
// done, this phone's session is forgotten and the next visit is a new, empty account.
const api = require('../../utils/api');
const { confirmFirst, say } = require('../../utils/wxp');
const { formatTime } = require('../../utils/format');

const ERASE_WARNING = '将删除：您的微信身份、手机号，建议、约见、民生实事建议和立法意见中留下的联系电话和位置，以及上传的照片；'
  + '未进行的约见将被取消并告知代表。\n将保留：已提交的建议、约见、民生实事建议和立法意见的内容、述职测评的评价和测评意见'
  + '（其中的姓名、电话、门牌号等个人信息将被隐去）和办理记录，作为人大工作台账以匿名“群众”身份继续办理，但不再通知您，您也不能再评价。\n注销后无法恢复。';

// What the public pages show of an item: the words (and the reply) as published, else 不予公开 / 未公开展示.
function publicationText(publication) {
  if (!publication) return '';
  if (publication.state !== 'published') return publication.state_label;
  return `${publication.state_label}：${publication.content}${publication.reply_content ? `；答复：${publication.reply_content}` : ''}`;
}

function present(data) {
  const at = (iso) => formatTime(iso);
  return {
    account: Object.assign({}, data.account, { createdText: at(data.account.created_at) }),
    suggestions: data.suggestions.items.map((s) => Object.assign({}, s, {
      createdText: at(s.created_at),
      placeText: s.location ? (s.location.address || '已记录位置') : '',
      publicationText: publicationText(s.publication),
    })),
    suggestionTotal: data.suggestions.total,
    ratings: data.ratings.items.map((r) => Object.assign({}, r, { createdText: at(r.created_at) })),
    appointments: data.appointments.items.map((a) => Object.assign({}, a, { createdText: at(a.created_at) })),
    appointmentTotal: data.appointments.total,
    proposals: data.livelihood_proposals.items.map((p) => Object.assign({}, p, { createdText: at(p.created_at) })),
    proposalTotal: data.livelihood_proposals.total,
    opinions: data.consultation_opinions.items.map((o) => Object.assign({}, o, {
      createdText: at(o.created_at),
      articleText: o.article_number || '总体意见',
      feedbackText: o.feedback_label || '待反馈',
    })),
    opinionTotal: data.consultation_opinions.total,
    ballots: data.report_poll_ballots.items.map((b) => Object.assign({}, b, {
      dateText: at(b.activity_starts_at).slice(0, 10),
      choicesText: b.choices.map((c) => `${c.deputy_name}：${c.choice_label}`).join('；'),
    })),
    ballotTotal: data.report_poll_ballots.total,
    unattachedPhotos: data.unattached_photos,
  };
}

Page({
  data: {
    loading: true,
    error: '',
    refusal: '', // a deputy's or an administrator's account: whom to ask instead
    data: null,
    busy: false,
    erased: false,
    warning: ERASE_WARNING,
  },

  onShow() {
    if (this.data.erased) return null;
    return this.load();
  },

  async load() {
    this.setData({ loading: true, error: '' });
    try {
      const data = await api.personalData();
      this.setData({ loading: false, data: present(data), refusal: '' });
    } catch (err) {
      if (err.status === 403) this.setData({ loading: false, refusal: err.message, data: null });
      else this.setData({ loading: false, error: err.message });
    }
  },

  reload() {
    return this.load();
  },

  erase() {
    return confirmFirst(this, {
      title: '确定注销账号吗？', content: ERASE_WARNING, confirmText: '确认注销', cancelText: '再想想',
      confirmColor: '#b71c1c',
    }, async () => {
      this.setData({ busy: true, error: '' });
      try {
        await api.eraseAccount();
      } catch (err) {
        this.setData({ busy: false, error: err.message });
        return null;
      }
      api.forgetSession();
      this.setData({ busy: false, erased: true, data: null });
      say('账号已注销。您提交的建议将以匿名身份继续办理。');
      return true;
    });
  },

  home() {
    wx.reLaunch({ url: '/pages/index/index' });
  },
});
