// A deputy proves who they are with the phone number WeChat verified: the phone-number button gives a
// one-time code, POST /auth/bind-phone {code}; if the number is an active deputy's in the deputy base,
// the account gains the deputy role.
const api = require('../../utils/api');
const config = require('../../config');
const { toast } = require('../../utils/wxp');

Page({
  data: {
    loading: true,
    user: null,
    isDeputy: false,
    binding: false,
    // Offline demos: bind with config.dev.phoneCode, since the stand-in cannot read a real phone code.
    devPhoneCode: (config.dev && config.dev.phoneCode) || '',
  },

  onShow() {
    return this.refresh();
  },

  // Bound or not as the server has it now (read at most once a minute), not as this phone last heard.
  async refresh() {
    try {
      const user = await api.refreshUser();
      this.setData({ user, isDeputy: api.isDeputy(user), loading: false });
    } catch (err) {
      this.setData({ loading: false });
    }
  },

  // <button open-type="getPhoneNumber" bindgetphonenumber="onGetPhoneNumber">
  async onGetPhoneNumber(e) {
    if (this.data.binding) return null; // a double tap: WeChat's phone code is good once
    const code = e && e.detail && e.detail.code;
    if (!code) {
      toast('需要授权手机号才能核对代表身份');
      return null;
    }
    this.setData({ binding: true });
    let user;
    try {
      user = await api.bindPhone(code);
    } catch (err) {
      this.setData({ binding: false });
      return null;
    }
    const isDeputy = api.isDeputy(user);
    this.setData({ user, isDeputy, binding: false });
    if (isDeputy) {
      toast('已绑定代表身份', 'success');
      wx.redirectTo({ url: '/pages/inbox/inbox' });
    } else {
      wx.showModal({
        title: '未找到代表信息',
        content: '该手机号不在人大代表名册中。如您是人大代表，请联系所在联络站管理员核对登记的手机号。',
        showCancel: false,
      });
    }
    return user;
  },

  bindWithDevCode() {
    return this.onGetPhoneNumber({ detail: { code: this.data.devPhoneCode } });
  },

  inbox() {
    wx.redirectTo({ url: '/pages/inbox/inbox' });
  },
});
