// wx.xxx({success, fail}) as a promise: wxp('getLocation', {type: 'gcj02'}).
function wxp(name, options) {
  return new Promise((resolve, reject) => {
    wx[name](Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

function toast(title, icon) {
  wx.showToast({ title, icon: icon || 'none', duration: 2000 });
}

module.exports = { wxp, toast };
