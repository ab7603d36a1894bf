// wx.xxx({success, fail}) as a promise: wxp('getLocation', {type: 'gcj02'}).
function wxp(name, options) {
  return new Promise((resolve, reject) => {
    wx[name](Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

// 去设置: WeChat's settings page, where a user who refused the location may allow it; resolves to whether the
// location is allowed when they come back (false too when the page could not open).
async function locationAllowedInSettings() {
  try {
    const res = await wxp('openSetting');
    return !!(res.authSetting && res.authSetting['scope.userLocation']);
  } catch (e) {
    return false;
  }
}

function toast(title, icon) {
  wx.showToast({ title, icon: icon || 'none', duration: 2000 });
}

// A toast holds about 14 characters: a longer sentence for the user is a modal.
const TOAST_MAX_CHARS = 14;

function say(message) {
  if (message.length <= TOAST_MAX_CHARS) {
    wx.showToast({ title: message, icon: 'none', duration: 2500 });
  } else {
    wx.showModal({ title: '提示', content: message, showCancel: false, confirmText: '知道了' });
  }
}

// A form sent from a tap (the page's submit handler): the page's own check first (``validate()``: a
// sentence, or '' when all is well); then busy (``data.submitting``) from the tap on, so that a second
// tap while WeChat asks sends nothing; then WeChat's consent for ``tmplIds``, which it allows only in a
// tap (a refusal or a failure does not stop the form); then the page's ``send()``.
function submitWithConsent(page, tmplIds) {
  if (page.data.submitting) return Promise.resolve(null);
  const problem = page.validate();
  if (problem) {
    say(problem);
    return Promise.resolve(null);
  }
  page.setData({ submitting: true });
  return consent(tmplIds).then(() => page.send());
}

// WeChat's consent for ``tmplIds``, asked in a tap; a refusal or a failure is the user's choice and stops nothing.
function consent(tmplIds) {
  return wxp('requestSubscribeMessage', { tmplIds }).catch(() => null);
}

// 开启提醒, asked in the tap: says whether any of the reminders was accepted (acceptedText, or 已开启提醒) and
// resolves to how many were.
async function askReminders(tmplIds, acceptedText) {
  const res = await consent(tmplIds);
  const accepted = tmplIds.filter((id) => !!res && res[id] === 'accept').length;
  toast(accepted ? acceptedText || '已开启提醒' : '未开启提醒');
  return accepted;
}

// An action the user is asked to be sure of first (撤回建议, 取消约见): ``act(res)`` runs once they confirm,
// with WeChat's answer (``res.content``: what they typed in an editable dialog). One at a time per page: a
// second tap while the dialog is open, while the action is on its way, or while another of the page's
// actions is (``data.busy``) opens no second dialog.
function confirmFirst(page, options, act) {
  if (page.confirming || page.data.busy) return Promise.resolve(null);
  page.confirming = true;
  const done = (result) => { page.confirming = false; return result; };
  return wxp('showModal', options)
    .catch(() => ({ confirm: false }))
    .then((res) => (res.confirm ? act(res) : null))
    .then(done, (err) => { done(); throw err; });
}

module.exports = { wxp, toast, say, submitWithConsent, consent, askReminders, confirmFirst, locationAllowedInSettings };
