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

// wx.scanCode's result: an ordinary QR code gives the link in `result`; a mini-program code of this
// mini-program gives `path` with `scene=<code>`.
function codeFromScan(res) {
  const r = res || {};
  if (r.path) {
    const match = String(r.path).match(/[?&]scene=([^&#]+)/);
    if (match) {
      const scene = safeDecode(match[1]);
      if (CODE.test(scene)) return scene;
    }
  }
  const fromLink = codeFromLink(r.result);
  if (fromLink) return fromLink;
  const raw = String(r.result || '').trim();
  return CODE.test(raw) ? raw : '';
}

module.exports = { codeFromLink, codeFromOptions, codeFromScan };
