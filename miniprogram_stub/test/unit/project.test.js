// The project opens in WeChat DevTools: the files it needs exist, every page has its four files, every
// handler a WXML template names exists on its page, and the code uses only what a mini-program has.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');

const { Phone, ROOT } = require('../support/harness');
const { createFakeWx } = require('../support/fake-wx');

const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const appJson = readJson('app.json');

function projectJsFiles(dir) {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['test', 'node_modules'].includes(entry.name) ? [] : projectJsFiles(rel);
    return entry.name.endsWith('.js') ? [rel] : [];
  });
}

test('project files', () => {
  for (const file of ['app.js', 'app.json', 'app.wxss', 'project.config.json', 'sitemap.json', 'config.js', 'utils/api.js']) {
    assert.ok(fs.existsSync(path.join(ROOT, file)), file);
  }
  const project = readJson('project.config.json');
  assert.equal(project.compileType, 'miniprogram');
  assert.ok(project.appid, 'appid');
  assert.equal(appJson.window.navigationBarTitleText, '码上办');
  assert.equal(appJson.sitemapLocation, 'sitemap.json');
  readJson('sitemap.json');
  assert.ok(appJson.requiredPrivateInfos.includes('getLocation'));
});

test('every page has its .js, .json, .wxml and .wxss, and valid JSON', () => {
  assert.ok(appJson.pages.length >= 12);
  for (const route of appJson.pages) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      assert.ok(fs.existsSync(path.join(ROOT, route + ext)), route + ext);
    }
    readJson(route + '.json');
  }
  // The pages the server's subscribe messages open.
  assert.ok(appJson.pages.includes('pages/suggestion/detail'));
  assert.ok(appJson.pages.includes('pages/activity/detail'));
  assert.ok(appJson.pages.includes('pages/appointment/detail'));
  assert.ok(appJson.pages.includes('pages/scan/scan'));
  assert.ok(appJson.pages.includes('pages/livelihood/proposals'));
  assert.ok(appJson.pages.includes('pages/consultations/detail'));
  assert.ok(appJson.pages.includes('pages/research/team'), 'the research notices open it');
});

test('every handler named in a template exists on its page', async () => {
  const phone = new Phone(createFakeWx({}));
  await phone.launch().catch(() => null); // no transport: the login fails quietly, the app still loads
  for (const route of appJson.pages) {
    const wxml = fs.readFileSync(path.join(ROOT, route + '.wxml'), 'utf8');
    const def = phone.definition(route);
    const names = [...wxml.matchAll(/\b(?:bind|catch)(?::)?[a-z]+="([A-Za-z_$][\w$]*)"/g)].map((m) => m[1]);
    for (const name of names) assert.equal(typeof def[name], 'function', `${route}: ${name}`);
    const tags = (wxml.match(/<(\w[\w-]*)/g) || []).length;
    const closes = (wxml.match(/<\/(\w[\w-]*)>/g) || []).length + (wxml.match(/\/>/g) || []).length;
    assert.equal(tags, closes, `${route}.wxml: every tag is closed`);
  }
});

test('the binding button is the phone-number button', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/bind/bind.wxml'), 'utf8');
  assert.match(wxml, /<button[^>]*open-type="getPhoneNumber"[^>]*bindgetphonenumber="onGetPhoneNumber"/);
});

test('code uses only relative requires and nothing from Node', () => {
  const files = projectJsFiles('.');
  assert.ok(files.length > 20);
  for (const file of files) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      assert.match(m[1], /^\.\.?\//, `${file}: require('${m[1]}')`);
      const target = path.resolve(path.dirname(path.join(ROOT, file)), m[1]);
      assert.ok(fs.existsSync(target.endsWith('.js') ? target : target + '.js'), `${file}: ${m[1]} exists`);
    }
    assert.doesNotMatch(source, /\b(process|Buffer|__dirname|fetch)\b\s*[.(]/, `${file} uses a Node/browser global`);
  }
});

test('the subscribe template ids match the server defaults, and every one is asked somewhere', () => {
  const config = require('../../config');
  // The server's stand-in names (backend/config.py's FAKE_TEMPLATES), which config.js mirrors.
  const source = fs.readFileSync(path.join(ROOT, '..', 'backend', 'config.py'), 'utf8');
  const table = source.match(/^FAKE_TEMPLATES = \{([^}]*)\}/m)[1];
  const server = [...table.matchAll(/"\w+": "([\w-]+)"/g)].map((m) => m[1]);
  assert.ok(server.includes('tmpl-activity-claim'), server.join(', '));
  const asked = new Set();
  for (const list of Object.values(config.subscribeTemplates)) {
    assert.ok(list.length <= 3, 'WeChat asks for at most 3 at once');
    for (const id of list) assert.ok(server.includes(id), id);
    list.forEach((id) => asked.add(id));
  }
  assert.deepEqual(server.filter((id) => !asked.has(id)), [], 'a template nobody is asked for is never delivered');
  // …and every list is asked for by some page (a list no page uses asks nobody).
  const sources = projectJsFiles('.').filter((f) => f !== 'config.js')
    .map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
  const unused = Object.keys(config.subscribeTemplates).filter((key) => !sources.includes('subscribeTemplates.' + key));
  assert.deepEqual(unused, [], 'config.subscribeTemplates lists no page asks for');
});

test('the filing form promises only what anonymity does: a contact phone left is still given to those handling it', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/file/file.wxml'), 'utf8');
  const label = (wxml.match(/<text>(匿名提交[^<]*)<\/text>/) || [])[1];
  assert.ok(label, 'the anonymous switch has its label');
  assert.doesNotMatch(label, /看不到[^；）]*电话/, label);
  assert.match(label, /联系电话仍会提供给办理人员/);
  // Word for word as the web form's switch (/q/{code}), so the two channels promise the same.
  assert.equal(label, '匿名提交（代表和工作人员看不到您的身份；填写的联系电话仍会提供给办理人员）');
});

test('the handling deputy is told an anonymous filer\'s phone is for calling back only, in the console\'s words', () => {
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/suggestion/detail.wxml'), 'utf8');
  const line = (wxml.match(/<view wx:if="\{\{item\.contact_phone\}\}">联系电话：[^\n]*<\/view>/) || [])[0];
  assert.ok(line, 'the handler\'s phone line');
  assert.match(line, /<text class="muted" wx:if="\{\{item\.anonymous\}\}">（群众匿名提交，此电话仅供办理时联系，请勿打听其身份）<\/text>/);
});
