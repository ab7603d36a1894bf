// A station administrator's WeChat reminders: the console (微信提醒) shows a one-time code as a mini-program
// code whose scene is the code, and as text to type. Linking sends POST /me/admin-link {code} as this
// WeChat user; from then on the console account's overdue, supervision (督办) and research report (待审核)
// reminders come here as subscribe messages.
const api = require('../../utils/api');
const config = require('../../config');
const { wxp, toast } = require('../../utils/wxp');

// What the console issues: 12 of A–Z and 2–9 (no 0/O, 1/I), shown as ABCD-EFGH-JKLM.
const CODE = /^[A-Z2-9]{12}$/;

function normalise(value) {
  let text = String(value || '');
  try {
    text = decodeURIComponent(text);
  } catch (e) {
    // not URL-encoded: as it is
  }
  return text.toUpperCase().replace(/[\s-]/g, '');
}

Page({
  data: {
    code: '', // from the scanned mini-program code
    typed: '',
    linking: false,
    account: null,
    error: '',
  },

  onLoad(options) {
    const code = normalise(options && options.scene);
    this.setData({ code: CODE.test(code) ? code : '' });
  },

  onInput(e) {
    this.setData({ typed: e.detail.value, error: '' });
  },

  // A tap, not page load: WeChat asks for subscribe consent only in answer to one.
  confirm() {
    return this.link(this.data.code || normalise(this.data.typed));
  },

  async link(code) {
    if (this.data.linking) return null; // a double tap links once
    if (!CODE.test(code)) {
      this.setData({ error: '请输入管理后台显示的 12 位绑定码。' });
      return null;
    }
    this.setData({ linking: true, error: '' });
    const consent = wxp('requestSubscribeMessage', { tmplIds: config.subscribeTemplates.admin }).catch(() => null);
    let answer;
    try {
      await api.ensureLogin();
      answer = await api.linkAdminAccount(code);
    } catch (err) {
      this.setData({ linking: false, error: err.isApiError ? err.message : '绑定失败，请稍后重试。' });
      return null;
    }
    const accepted = await consent;
    const subscribed = !!accepted && config.subscribeTemplates.admin.every((id) => accepted[id] === 'accept');
    this.setData({ linking: false, account: answer.account, subscribed });
    toast('绑定成功', 'success');
    return answer.account;
  },
});
