// The fake wx's network over REAL HTTP, for the end-to-end tests: wx.request with fetch (JSON in and
// out, as WeChat does with dataType json), wx.uploadFile as multipart/form-data with the file read from
// disk, wx.downloadFile into a temporary file.
const fs = require('fs');
const os = require('os');
const path = require('path');

const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

function withQuery(url, data) {
  if (!data || typeof data !== 'object') return url;
  const params = new URLSearchParams();
  Object.keys(data).forEach((k) => { if (data[k] !== undefined && data[k] !== null) params.append(k, String(data[k])); });
  const qs = params.toString();
  return qs ? url + (url.includes('?') ? '&' : '?') + qs : url;
}

async function asWxResponse(res) {
  const text = await res.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch (e) { /* not JSON: WeChat hands the string over */ }
  return { statusCode: res.status, data, header: Object.fromEntries(res.headers.entries()) };
}

function httpTransport(options) {
  const log = (options && options.log) || null;
  // wx.downloadFile's temporary files: in options.dir when given (the test removes it), else the OS temp dir.
  const downloads = fs.mkdtempSync(path.join((options && options.dir) || os.tmpdir(), 'msb-wx-download-'));
  let n = 0;
  return {
    async request(o) {
      const method = (o.method || 'GET').toUpperCase();
      const headers = Object.assign({}, o.header);
      let url = o.url;
      let body;
      if (method === 'GET' || method === 'HEAD') url = withQuery(url, o.data);
      else if (o.data !== undefined) body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data);
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(o.timeout || 15000) });
      const out = await asWxResponse(res);
      if (log) log(method, url, out.statusCode);
      return out;
    },
    async uploadFile(o) {
      const bytes = fs.readFileSync(o.filePath);
      const form = new FormData();
      Object.keys(o.formData || {}).forEach((k) => form.append(k, String(o.formData[k])));
      const type = MIME[path.extname(o.filePath).toLowerCase()] || 'application/octet-stream';
      form.append(o.name, new Blob([bytes], { type }), path.basename(o.filePath));
      const headers = Object.assign({}, o.header);
      delete headers['content-type'];
      const res = await fetch(o.url, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(o.timeout || 60000) });
      const text = await res.text(); // wx.uploadFile gives the body as a string
      if (log) log('UPLOAD', o.url, res.status);
      return { statusCode: res.status, data: text };
    },
    async downloadFile(o) {
      const res = await fetch(o.url, { headers: Object.assign({}, o.header) });
      const bytes = Buffer.from(await res.arrayBuffer());
      n += 1;
      const ext = path.extname(new URL(o.url).pathname).toLowerCase();
      const file = path.join(downloads, 'download-' + n + (MIME[ext] ? ext : ''));
      fs.writeFileSync(file, bytes);
      if (log) log('DOWNLOAD', o.url, res.status);
      return { statusCode: res.status, tempFilePath: file };
    },
  };
}

module.exports = { httpTransport };
