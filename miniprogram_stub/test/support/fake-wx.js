// A stand-in for the mini-program's `wx` object, as much of it as the stub uses.
//
// Network calls (request, uploadFile, downloadFile) go to a transport: a function that unit tests write
// as a little router, and that end-to-end tests implement with real HTTP (see http-transport.js).
// Everything the user would do or see is scripted and recorded:
//   wx.queue.scan / media / modal: answers for wx.scanCode / chooseMedia / showModal (FIFO);
//   wx.location: what getLocation answers (null → it fails with wx.locationError, by default the user's refusal;
//     a function → its answer, or the promise of one, for each call);
//   wx.authSetting: what openSetting answers (the user's choices when they come back from the settings);
//   wx.loginCodes: codes wx.login hands out (the last one repeats);
//   wx.subscribeAnswer: 'accept' | 'reject' | 'fail';
//   wx.calls.<name>: the options of every call, wx.toasts / modals / navigations / requests for short.

function createFakeWx(transport, options) {
  const opts = options || {};
  const storage = new Map();
  const calls = {};
  const record = (name, o) => {
    (calls[name] = calls[name] || []).push(o);
  };
  const done = (o, result) => {
    if (o && typeof o.success === 'function') o.success(result);
    if (o && typeof o.complete === 'function') o.complete(result);
  };
  const failed = (o, errMsg) => {
    const err = { errMsg };
    if (o && typeof o.fail === 'function') o.fail(err);
    if (o && typeof o.complete === 'function') o.complete(err);
  };
  const later = (fn) => setImmediate(fn);

  const wx = {
    calls,
    queue: { scan: [], media: [], modal: [] },
    location: opts.location === undefined ? { latitude: 27.5601, longitude: 109.9985 } : opts.location,
    locationError: 'getLocation:fail auth deny',
    authSetting: {},
    loginCodes: [].concat(opts.loginCode === undefined ? 'user-1' : opts.loginCode),
    subscribeAnswer: 'accept',
    transport,

    get toasts() { return (calls.showToast || []).map((o) => o.title); },
    get modals() { return (calls.showModal || []).map((o) => o.content); },
    get navigations() {
      return ['navigateTo', 'redirectTo', 'reLaunch', 'switchTab']
        .flatMap((type) => (calls[type] || []).map((o) => ({ type, url: o.url, seq: o.__seq })))
        .sort((a, b) => a.seq - b.seq);
    },
    get requests() { return calls.request || []; },
    lastNavigation() {
      const all = this.navigations;
      return all[all.length - 1] || null;
    },

    // --- storage
    getStorageSync(key) { return storage.has(key) ? storage.get(key) : ''; },
    setStorageSync(key, value) { storage.set(key, value); },
    removeStorageSync(key) { storage.delete(key); },
    clearStorageSync() { storage.clear(); },

    // --- network
    login(o) {
      record('login', o);
      const code = wx.loginCodes.length > 1 ? wx.loginCodes.shift() : wx.loginCodes[0];
      later(() => (code ? done(o, { code, errMsg: 'login:ok' }) : failed(o, 'login:fail')));
    },
    request(o) {
      record('request', o);
      Promise.resolve()
        .then(() => wx.transport.request(o))
        .then((res) => done(o, Object.assign({ header: {}, errMsg: 'request:ok' }, res)),
          (err) => failed(o, 'request:fail ' + (err && err.message)));
    },
    uploadFile(o) {
      record('uploadFile', o);
      Promise.resolve()
        .then(() => wx.transport.uploadFile(o))
        .then((res) => done(o, Object.assign({ errMsg: 'uploadFile:ok' }, res)),
          (err) => failed(o, 'uploadFile:fail ' + (err && err.message)));
    },
    downloadFile(o) {
      record('downloadFile', o);
      Promise.resolve()
        .then(() => wx.transport.downloadFile(o))
        .then((res) => done(o, Object.assign({ errMsg: 'downloadFile:ok' }, res)),
          (err) => failed(o, 'downloadFile:fail ' + (err && err.message)));
    },

    // --- what the user sees
    showToast(o) { record('showToast', o); later(() => done(o, {})); },
    showLoading(o) { record('showLoading', o); later(() => done(o, {})); },
    hideLoading(o) { record('hideLoading', o); },
    showModal(o) {
      record('showModal', o);
      const answer = wx.queue.modal.length ? wx.queue.modal.shift() : { confirm: true };
      later(() => done(o, Object.assign({ cancel: !answer.confirm, content: '' }, answer)));
    },
    setNavigationBarTitle(o) { record('setNavigationBarTitle', o); },
    stopPullDownRefresh(o) { record('stopPullDownRefresh', o); },
    previewImage(o) { record('previewImage', o); },
    makePhoneCall(o) { record('makePhoneCall', o); later(() => done(o, {})); },
    openLocation(o) { record('openLocation', o); later(() => done(o, {})); },

    // --- navigation (the harness opens the target page when a test follows it)
    navigateTo(o) { nav('navigateTo', o); },
    redirectTo(o) { nav('redirectTo', o); },
    reLaunch(o) { nav('reLaunch', o); },
    switchTab(o) { nav('switchTab', o); },
    navigateBack(o) { record('navigateBack', o); later(() => done(o, {})); },

    // --- device
    scanCode(o) {
      record('scanCode', o);
      const res = wx.queue.scan.shift();
      later(() => (res ? done(o, Object.assign({ errMsg: 'scanCode:ok' }, res)) : failed(o, 'scanCode:fail cancel')));
    },
    getLocation(o) {
      record('getLocation', o);
      // A function stands for a phone slow to find itself: its answer (or promise of one) is the location.
      const answer = typeof wx.location === 'function' ? wx.location() : wx.location;
      Promise.resolve(answer).then((loc) => later(() => (loc
        ? done(o, Object.assign({ accuracy: 30, errMsg: 'getLocation:ok' }, loc))
        : failed(o, wx.locationError))));
    },
    openSetting(o) {
      record('openSetting', o);
      const authSetting = Object.assign({}, wx.authSetting);
      later(() => done(o, { authSetting, errMsg: 'openSetting:ok' }));
    },
    chooseMedia(o) {
      record('chooseMedia', o);
      const res = wx.queue.media.shift();
      later(() => (res ? done(o, Object.assign({ type: 'image', errMsg: 'chooseMedia:ok' }, res))
        : failed(o, 'chooseMedia:fail cancel')));
    },
    requestSubscribeMessage(o) {
      record('requestSubscribeMessage', o);
      const answer = wx.subscribeAnswer;
      later(() => {
        if (answer === 'fail') return failed(o, 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.');
        const res = { errMsg: 'requestSubscribeMessage:ok' };
        (o.tmplIds || []).forEach((id) => { res[id] = answer; });
        return done(o, res);
      });
    },
  };

  let seq = 0;
  function nav(type, o) {
    o.__seq = ++seq;
    record(type, o);
    later(() => done(o, { errMsg: type + ':ok' }));
  }
  // The order of network and device calls, for "subscribe before submitting" checks.
  let order = 0;
  wx.order = [];
  ['request', 'uploadFile', 'requestSubscribeMessage', 'getLocation', 'chooseMedia', 'scanCode'].forEach((name) => {
    const fn = wx[name];
    wx[name] = (o) => {
      wx.order.push({ name, n: ++order, url: o && o.url });
      return fn(o);
    };
  });
  return wx;
}

// A router for unit tests: routes['POST /api/v1/suggestions'] = (req) => ({statusCode, data}).
// req: {method, path, query, data, header}. Unmatched requests answer 404 with the contract's shape;
// a handler that throws is a network failure.
function routerTransport(routes) {
  const parse = (url) => {
    const u = new URL(url);
    return { path: u.pathname, query: Object.fromEntries(u.searchParams.entries()) };
  };
  const handle = (method, o, extra) => {
    const { path, query } = parse(o.url);
    const key = method + ' ' + path;
    const handler = routes[key] || routes[method + ' *'];
    const req = Object.assign({ method, path, query, data: o.data, header: o.header || {} }, extra);
    if (!handler) return { statusCode: 404, data: { error: 'not_found', message: '没有这个接口：' + key } };
    return handler(req);
  };
  return {
    routes,
    request: (o) => handle((o.method || 'GET').toUpperCase(), o),
    uploadFile: (o) => {
      const res = handle('POST', o, { filePath: o.filePath, name: o.name });
      // wx.uploadFile hands the body back as a string, like WeChat.
      return Promise.resolve(res).then((r) => Object.assign({}, r, {
        data: typeof r.data === 'string' ? r.data : JSON.stringify(r.data),
      }));
    },
    downloadFile: (o) => handle('GET', o),
  };
}

module.exports = { createFakeWx, routerTransport };
