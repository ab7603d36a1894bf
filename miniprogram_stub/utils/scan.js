// The phone's scanner as the mini-program reads it, from the home page or after a code that could not be
// used: the console's code for an administrator's WeChat reminders opens its own page, a deputy's or a
// station's code the scan entry (pages/scan), anything else is said so. ``open`` is wx.navigateTo or
// wx.redirectTo. Returns the code opened, or null (cancelled, unrecognised).
const { codeFromScan, linkCodeFromScan } = require('./qr');
const { wxp, toast } = require('./wxp');

async function scanAndOpen(open) {
  let res;
  try {
    res = await wxp('scanCode', { scanType: ['qrCode', 'wxCode'] });
  } catch (e) {
    return null; // cancelled
  }
  const linkCode = linkCodeFromScan(res);
  if (linkCode) {
    open({ url: '/pages/link/link?scene=' + encodeURIComponent(linkCode) });
    return linkCode;
  }
  const code = codeFromScan(res);
  if (!code) {
    toast('无法识别的二维码');
    return null;
  }
  open({ url: '/pages/scan/scan?code=' + encodeURIComponent(code) });
  return code;
}

module.exports = { scanAndOpen };
