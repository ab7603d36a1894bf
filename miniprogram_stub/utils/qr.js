// Where a scanned code comes from: the ways WeChat opens the scan page, and wx.scanCode results.
const CODE = /^[A-Za-z0-9_-]{1,64}$/;

// "https://msb.example.cn/q/abcd1234?x=1" → "abcd1234"; anything else → ''.
function codeFromLink(link) {
  const match = String(link || '').trim().match(/\/q\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/);
  return match ? match[1] : '';
}

function safeDecode(value) {
  try {
    return decodeURIComponent(String(value));
  } catch (e) {
    return String(value);
  }
}

// Page options of the scan entry:
// - options.q: the URL-encoded {PUBLIC_BASE_URL}/q/{code} of a printed code (扫普通链接二维码打开小程序);
// - options.scene: a mini-program code's scene, which is the code itself;
// - options.code: the code passed by the stub's own pages (after wx.scanCode).
function codeFromOptions(options) {
  const opts = options || {};
  if (opts.q) return codeFromLink(safeDecode(opts.q));
  if (opts.scene) {
    const scene = safeDecode(opts.scene).trim();
    return CODE.test(scene) ? scene : '';
  }
  if (opts.code) return CODE.test(opts.code) ? opts.code : '';
  return '';
}

// A mini-program code of this mini-program, as wx.scanCode gives it: `path` is the page it opens and its
// scene, "pages/link/link?scene=ABCD…" → {route: 'pages/link/link', scene: 'ABCD…'}; otherwise null.
function pageFromScan(res) {
  const match = String((res && res.path) || '').match(/^\/?([\w/-]+)\?(?:[^#]*&)?scene=([^&#]+)/);
  return match ? { route: match[1], scene: safeDecode(match[2]) } : null;
}

// The one-time code of a console account's WeChat reminders (pages/link), scanned in the mini-program.
function linkCodeFromScan(res) {
  const page = pageFromScan(res);
  return page && page.route === 'pages/link/link' ? page.scene : '';
}

// wx.scanCode's result: an ordinary QR code gives the link in `result`; a mini-program code of this
// mini-program gives `path` with `scene=<code>` (the scan page's: another page's scene is no deputy's or
// station's code).
function codeFromScan(res) {
  const r = res || {};
  const page = pageFromScan(r);
  if (page) return page.route !== 'pages/link/link' && CODE.test(page.scene) ? page.scene : '';
  const fromLink = codeFromLink(r.result);
  if (fromLink) return fromLink;
  const raw = String(r.result || '').trim();
  return CODE.test(raw) ? raw : '';
}

// An activity's rotating check-in code (一事一活动码, shown on a screen at the activity): "a" and 26 base32
// characters, a length printed codes never have (backend/activities/rotating.py). It is nobody's card, and
// it expires within two minutes.
function isActivityCode(code) {
  return /^a[a-z2-7]{26}$/.test(String(code || ''));
}

// The page a code that cannot be used opens (404 unknown, 410 revoked or its station closed): the server's
// sentence, and the error's code (station_closed offers 附近联络站).
function unavailableUrl(err) {
  return '/pages/unavailable/unavailable?status=' + err.status + '&message=' + encodeURIComponent(err.message)
    + '&code=' + encodeURIComponent(err.code || '');
}

module.exports = { unavailableUrl, codeFromLink, codeFromOptions, codeFromScan, linkCodeFromScan, isActivityCode };
