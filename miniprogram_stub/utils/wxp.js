// wx.xxx({success, fail}) as a promise: wxp('getLocation', {type: 'gcj02'}).
function wxp(name, options) {
  return new Promise((resolve, reject) => {
    wx[name](Object.assign({}, options, { success: resolve, fail: reject }));
  });
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

module.exports = { wxp, toast, say };
