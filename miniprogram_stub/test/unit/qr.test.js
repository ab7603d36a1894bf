// utils/qr.js: the code from the ways WeChat opens the scan page and from wx.scanCode.
const { test } = require('node:test');
const assert = require('node:assert/strict');

const qr = require('../../utils/qr');

test('options.q: the URL-encoded printed link', () => {
  const link = 'https://msb.example.cn/q/5r2tvezgw37csjlo';
  assert.equal(qr.codeFromOptions({ q: encodeURIComponent(link), scancode_time: '1' }), '5r2tvezgw37csjlo');
  assert.equal(qr.codeFromOptions({ q: encodeURIComponent(link + '?from=poster') }), '5r2tvezgw37csjlo');
  assert.equal(qr.codeFromOptions({ q: encodeURIComponent('http://127.0.0.1:5000/q/abc/') }), 'abc');
  assert.equal(qr.codeFromOptions({ q: encodeURIComponent('https://example.com/other/abc') }), '');
  assert.equal(qr.codeFromOptions({ q: '%E0%A4%A' }), '', 'malformed encoding');
});

test('options.scene: a mini-program code carries the code itself', () => {
  assert.equal(qr.codeFromOptions({ scene: 'aaaqeayeaudaocaj' }), 'aaaqeayeaudaocaj');
  assert.equal(qr.codeFromOptions({ scene: encodeURIComponent('abc123') }), 'abc123');
  assert.equal(qr.codeFromOptions({ scene: encodeURIComponent('a=b&c') }), '');
  assert.equal(qr.codeFromOptions({ code: 'abc' }), 'abc');
  assert.equal(qr.codeFromOptions({}), '');
  assert.equal(qr.codeFromOptions(undefined), '');
});

test('wx.scanCode results', () => {
  assert.equal(qr.codeFromScan({ result: 'https://msb.example.cn/q/abcd', scanType: 'QR_CODE' }), 'abcd');
  assert.equal(qr.codeFromScan({ result: '*', path: 'pages/scan/scan?scene=wxa1234', scanType: 'WX_CODE' }), 'wxa1234');
  assert.equal(qr.codeFromScan({ result: 'a2345678901234567890123456' }), 'a2345678901234567890123456', 'a bare rotating code');
  assert.equal(qr.codeFromScan({ result: 'https://weixin.qq.com/r/xyz' }), '');
  assert.equal(qr.codeFromScan({ result: '你好' }), '');
  assert.equal(qr.codeFromScan({ result: '*', path: '/pages/scan/scan?from=x&scene=abc123', scanType: 'WX_CODE' }), 'abc123');
  // The console's code for an administrator's reminders is no deputy's or station's code.
  assert.equal(qr.codeFromScan({ result: '*', path: 'pages/link/link?scene=ABCDEFGHJKLM', scanType: 'WX_CODE' }), '');
  assert.equal(qr.linkCodeFromScan({ result: '*', path: 'pages/link/link?scene=ABCDEFGHJKLM', scanType: 'WX_CODE' }), 'ABCDEFGHJKLM');
  assert.equal(qr.linkCodeFromScan({ result: 'https://msb.example.cn/q/abcd' }), '');
});

test('an activity\'s rotating check-in code is told from a printed one', () => {
  assert.equal(qr.isActivityCode('aaaqaaaaaaaaaaaaaaaabcdefgh'), true);
  assert.equal(qr.isActivityCode('5r2tvezgw37csjlo'), false, 'a printed code (16 characters)');
  assert.equal(qr.isActivityCode('aaaqeayeaudaocaj'), false, 'a printed code starting with a');
  assert.equal(qr.isActivityCode('b' + 'a'.repeat(26)), false);
  assert.equal(qr.isActivityCode(''), false);
  assert.equal(qr.isActivityCode(undefined), false);
});
