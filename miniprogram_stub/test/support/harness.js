// A tiny mini-program runtime for Node: loads the stub's own files with a CommonJS loader of its own
// (like WeChat's: relative requires only, `wx`, App(), Page(), getApp() and getCurrentPages() injected),
// so each "phone" has its own modules, storage and wx, and two phones can share a test.
//
//   const phone = new Phone(wx);           // wx from fake-wx.js
//   await phone.launch();                  // app.js: App({...}).onLaunch()
//   const page = await phone.open('pages/scan/scan', {q: '...'});   // onLoad + onShow, awaited
//   await page.someHandler(event({id: 3}));                         // handlers return their promise
//   page.data                                                       // what setData made of it
//   const next = await phone.follow();     // open the page of the last wx.navigateTo/redirectTo/reLaunch
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const ROOT = path.resolve(__dirname, '..', '..');

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// setData paths: "a", "a.b", "list[2].status".
function setPath(target, keyPath, value) {
  const parts = [];
  keyPath.replace(/[^.[\]]+|\[(\d+)\]/g, (m, index) => {
    parts.push(index !== undefined ? Number(index) : m);
    return m;
  });
  let obj = target;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const key = parts[i];
    if (obj[key] === undefined || obj[key] === null || typeof obj[key] !== 'object') {
      obj[key] = typeof parts[i + 1] === 'number' ? [] : {};
    }
    obj = obj[key];
  }
  obj[parts[parts.length - 1]] = value;
}

// An event as WXML hands it to a handler: event({id: 3}, 'value').
function event(dataset, value) {
  const ds = dataset || {};
  return { type: 'tap', currentTarget: { dataset: ds }, target: { dataset: ds }, detail: { value } };
}

function parseUrl(url) {
  const [pathname, query] = String(url).split('?');
  const options = {};
  (query || '').split('&').filter(Boolean).forEach((pair) => {
    const i = pair.indexOf('=');
    // WeChat hands page options over as they were written in the URL (not decoded).
    if (i < 0) options[pair] = '';
    else options[pair.slice(0, i)] = pair.slice(i + 1);
  });
  return { route: pathname.replace(/^\//, ''), options };
}

class Phone {
  constructor(wx) {
    this.wx = wx;
    this.modules = new Map();
    this.app = null;
    this.stack = [];
    this.followed = 0;
  }

  // The mini-program's module system: relative paths inside the project, nothing from Node.
  require(fromFile, request) {
    if (!/^\.\.?\//.test(request)) {
      throw new Error(`${path.relative(ROOT, fromFile)}: require('${request}') — mini-programs load only relative project files`);
    }
    let file = path.resolve(path.dirname(fromFile), request);
    if (!file.endsWith('.js')) file += '.js';
    const inside = path.relative(ROOT, file);
    if (inside.startsWith('..') || path.isAbsolute(inside) || inside.split(path.sep)[0] === 'test') {
      throw new Error(`require('${request}') leaves the mini-program project`);
    }
    return this.load(file);
  }

  load(file, globals) {
    if (this.modules.has(file)) return this.modules.get(file).exports;
    const source = fs.readFileSync(file, 'utf8');
    const wrapper = vm.runInThisContext(
      '(function (require, module, exports, wx, App, Page, getApp, getCurrentPages) {' + source + '\n})',
      { filename: file },
    );
    const module = { exports: {} };
    this.modules.set(file, module);
    const g = globals || {};
    wrapper.call(
      module.exports,
      (request) => this.require(file, request),
      module,
      module.exports,
      this.wx,
      g.App || (() => { throw new Error('App() outside app.js'); }),
      g.Page || (() => { throw new Error('Page() outside a page'); }),
      () => this.app,
      () => this.stack.slice(),
    );
    return module.exports;
  }

  async launch(options) {
    let definition = null;
    this.load(path.join(ROOT, 'app.js'), { App: (def) => { definition = def; } });
    if (!definition) throw new Error('app.js did not call App()');
    this.app = Object.assign({}, definition, { globalData: clone(definition.globalData) || {} });
    if (typeof this.app.onLaunch === 'function') await this.app.onLaunch(options || {});
    return this.app;
  }

  // The page's .js runs once per phone, like WeChat registering a page; each open makes an instance.
  definition(route) {
    const file = path.join(ROOT, route + '.js');
    if (!this.pageDefs) this.pageDefs = new Map();
    if (!this.pageDefs.has(file)) {
      let def = null;
      this.load(file, { Page: (d) => { def = d; } });
      if (!def) throw new Error(`${route}.js did not call Page()`);
      this.pageDefs.set(file, def);
    }
    return this.pageDefs.get(file);
  }

  instance(route) {
    const def = this.definition(route);
    const page = { route, data: clone(def.data) || {}, setDataCalls: [] };
    Object.keys(def).forEach((key) => {
      if (key !== 'data') page[key] = typeof def[key] === 'function' ? def[key] : clone(def[key]);
    });
    page.setData = function setData(changes, callback) {
      this.setDataCalls.push(clone(changes));
      Object.keys(changes).forEach((key) => setPath(this.data, key, clone(changes[key])));
      if (typeof callback === 'function') callback();
    };
    return page;
  }

  // Like WeChat: onLoad(options) and onShow() run back to back; the test waits for what they started.
  async open(route, options, how) {
    if (!this.app) await this.launch();
    const page = this.instance(route.replace(/^\//, ''));
    if (how === 'redirectTo') this.stack.pop();
    if (how === 'reLaunch') this.stack = [];
    this.stack.push(page);
    const started = [];
    if (typeof page.onLoad === 'function') started.push(page.onLoad(options || {}));
    if (typeof page.onShow === 'function') started.push(page.onShow());
    await Promise.all(started);
    if (typeof page.onReady === 'function') await page.onReady();
    return page;
  }

  // Opens the page the last navigation pointed at (fails if there was none since the last follow).
  async follow() {
    const navs = this.wx.navigations;
    if (navs.length <= this.followed) throw new Error('no navigation to follow');
    const nav = navs[navs.length - 1];
    this.followed = navs.length;
    const { route, options } = parseUrl(nav.url);
    return this.open(route, options, nav.type);
  }

  current() {
    return this.stack[this.stack.length - 1] || null;
  }

  config() {
    return this.load(path.join(ROOT, 'config.js'));
  }
}

// Resolves once ``condition()`` holds, letting the pages' pending work run meanwhile: no fixed sleep,
// which a loaded machine outlasts. Fails after a few seconds naming what it waited for.
async function until(condition, what) {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waited in vain for ' + what);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// How many requests ``wx`` has sent whose URL matches ``pattern``.
function asked(wx, pattern) {
  return wx.requests.filter((r) => pattern.test(r.url)).length;
}

module.exports = { Phone, event, parseUrl, setPath, until, asked, ROOT };
