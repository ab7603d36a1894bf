/* 码上办 mobile web pages: the browser's anonymous citizen identity and calls to the API.
 *
 * Outside WeChat there is no openid, so the first time a citizen needs to be someone (a photo, a
 * filing, the nearby check) the page asks POST /api/v1/auth/web for a new identity. The answer's key
 * stays in localStorage and is traded for a fresh token when the token expires, so the private
 * tracking link keeps working in this browser. User text is always inserted with textContent.
 */
(function () {
  "use strict";

  var KEY = "msb.web.key";
  var TOKEN = "msb.web.token";
  var UNSENT = "msb.web.unsent.";
  var DRAFTS = "msb.web.draft.";  // what was typed, not yet sent (keepDraft)
  var memory = {};  // when site storage is unavailable (private mode), what it would keep lasts for the page

  /* localStorage, or with ``kind`` "sessionStorage" the tab's; null when the browser keeps no site data. */
  function store(kind) {
    try {
      var s = window[kind || "localStorage"];
      s.setItem("msb.probe", "1");
      s.removeItem("msb.probe");
      return s;
    } catch (e) {
      return null;
    }
  }

  function getItem(name, kind) {
    var s = store(kind);
    return s ? s.getItem(name) : memory[name] || null;
  }

  function setItem(name, value, kind) {
    var s = store(kind);
    if (s) {
      if (value === null) s.removeItem(name); else s.setItem(name, value);
    } else if (value === null) {
      delete memory[name];
    } else {
      memory[name] = value;
    }
  }

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* A creating request not yet confirmed (a filing, a request to meet): its Idempotency-Key is kept in this tab with
   * the body it sends, from the tap until an answer says it was done. A reload while the answer is stuck
   * forgot the key, and the same draft sent again was filed twice; now the page gives the draft back
   * (``unsent``), and sent again it goes with the same key, changed or not: the server answers with what
   * the first request did, or files the changed draft if the first never arrived, or, when the first was
   * filed with another body, refuses the key (409 idempotency_key_reused) and ``sendOnce`` asks for the
   * first filing with the body it had. A new key for a changed draft filed the suggestion twice. ``sent``:
   * every body sent with the key (the server has at most one of them). ``extra``: what the page needs to
   * show the draft again (not sent). The tab's storage, not localStorage: it holds a phone number, and a
   * draft belongs to the visit that wrote it. */
  function keyFor(name, body, extra) {
    var kept = unsent(name);
    var sent = (kept && kept.sent) || (kept ? [kept.body] : []);
    var text = JSON.stringify(body);
    if (!sent.some(function (earlier) { return JSON.stringify(earlier) === text; })) sent = sent.concat([body]);
    var key = kept ? kept.key : randomKey();
    setItem(UNSENT + name, JSON.stringify({ key: key, body: body, sent: sent, extra: extra || null }), "sessionStorage");
    return key;
  }

  /* Every draft this tab keeps (``keyFor``'s and ``keepDraft``'s). */
  function forgetDrafts() {
    var s = store("sessionStorage");
    var names = s ? Object.keys(s) : Object.keys(memory);
    names.forEach(function (name) {
      if (name.indexOf(UNSENT) === 0 || name.indexOf(DRAFTS) === 0) setItem(name, null, "sessionStorage");
    });
  }

  /* POST ``body`` to ``path`` once however often it is sent (``keyFor``), and settle its draft ``name``.
   * When the key already filed another body (the citizen changed the draft after an answer was lost), the
   * earlier bodies go again with the key and the first result comes back, marked ``earlier``: the change
   * was not sent. */
  async function sendOnce(name, path, body, extra) {
    var key = keyFor(name, body, extra);
    var answer = await api("POST", path, { json: body, idempotencyKey: key, limitedAs: "filing" });
    if (answer.status === 409 && answer.error === "idempotency_key_reused") {
      var kept = unsent(name);
      var text = JSON.stringify(body);
      var earlier = ((kept && kept.sent) || []).filter(function (b) { return JSON.stringify(b) !== text; });
      for (var i = 0; i < earlier.length; i++) {
        var first = await api("POST", path, { json: earlier[i], idempotencyKey: key, limitedAs: "filing" });
        if (first.status === 409 && first.error === "idempotency_key_reused") continue;
        if (first.ok) first.earlier = true;
        answer = first;
        break;
      }
    }
    settled(name, answer);
    return answer;
  }

  /* What ``keyFor`` kept under ``name`` and no answer confirmed: {key, body, extra}, or null. */
  function unsent(name) {
    try {
      var kept = JSON.parse(getItem(UNSENT + name, "sessionStorage"));
      return kept && kept.key && kept.body ? kept : null;
    } catch (e) {
      return null;
    }
  }

  /* Whether ``answer`` settled the request kept under ``name``: done, or refused (a 4xx: nothing was made,
   * and a reload must not say that no answer came). Its draft is then forgotten. No answer (the network),
   * a gateway's timeout or a server error may hide a request that was done: the draft and its key stay. */
  function settled(name, answer) {
    if (answer.ok || (answer.status >= 400 && answer.status < 500 && answer.status !== 408)) {
      setItem(UNSENT + name, null, "sessionStorage");
    }
  }

  var MESSAGES = {
    network: "网络连接不稳定，请检查网络后重试。",
    rate_limited: "提交太频繁了，请稍后再试（每小时提交次数有限制）。",
    busy: "操作过于频繁，请稍后再试。",
    // A new identity refused for the address (WEB_IDENTITY_RATE_LIMIT): a shared network's share, not this
    // phone's doing (the wording of 述职测评's page, report-poll.js, for any form).
    identity_limited: "当前网络下使用的人较多，暂时无法为本机登记身份。请稍后重试，或改用手机流量扫码，也可在微信中扫码提交。",
    server: "服务器暂时无法处理，请稍后重试。"
  };

  /* How long a request without a file may take. On a flaky network an answer can be stuck on the way
   * back for minutes, the page busy (正在提交…) all that time and the citizen's only way out a reload,
   * which forgets the filing's Idempotency-Key. Cut off, the page says the network failed, and the
   * next tap sends the same key: the server answers with what the first request did, if it arrived.
   * An upload (``options.form``) has no overall limit: a big photo is slow on a weak signal. It is cut
   * off only when it stalls: no progress for ``options.stallMs`` (STALL_MS), its answer included. */
  var TIMEOUT_MS = 30000;
  var STALL_MS = 45000;

  /* What came back: {status, data}, or null when nothing did. */
  async function fetchJson(method, path, headers, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    try {
      var response = await fetch(path, {
        method: method, headers: headers, body: body, credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      });
      var data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      // Cut off while its body was on the way: as lost as an answer that never came.
      if (controller && controller.signal.aborted) return null;
      return { status: response.status, data: data };
    } catch (e) {
      return null;
    } finally {
      window.clearTimeout(timer);
    }
  }

  /* A form (a photo) sent with XMLHttpRequest, which tells how far the upload is: ``onProgress(percent)``
   * as it goes; cut off when nothing moved for ``stallMs``. {status, data}, or null when nothing came back. */
  function sendForm(method, path, headers, form, onProgress, stallMs) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var timer = null;
      function stalled() {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { xhr.abort(); }, stallMs);
      }
      function done(answer) {
        window.clearTimeout(timer);
        resolve(answer);
      }
      xhr.open(method, path);
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.onprogress = function (event) {
        stalled();
        if (onProgress && event.lengthComputable && event.total) onProgress(Math.floor(event.loaded * 100 / event.total));
      };
      xhr.onprogress = stalled;
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        done({ status: xhr.status, data: data });
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () { done(null); };
      stalled();
      xhr.send(form);
    });
  }

  async function request(method, path, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    if (options.token) headers["Authorization"] = "Bearer " + options.token;
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    var answer;
    if (options.form) {
      answer = await sendForm(method, path, headers, options.form, options.onProgress, options.stallMs || STALL_MS);
    } else {
      var body;
      if (options.json !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(options.json);
      }
      answer = await fetchJson(method, path, headers, body);
    }
    if (!answer || !answer.status) return { ok: false, status: 0, error: "network", message: MESSAGES.network };
    var status = answer.status, data = answer.data;
    if (status >= 200 && status < 300) return { ok: true, status: status, data: data };
    var error = (data && data.error) || (status === 429 ? "rate_limited" : "server");
    var message = status === 429 ? rateLimited(data && data.message, options.limitedAs)
      : (data && data.message) || MESSAGES.server;
    return { ok: false, status: status, error: error, message: message, errors: data && data.errors };
  }

  /* The 429's sentence for what was asked (``kind``): a filing's (``"filing"``: a suggestion, a request to
   * meet, a proposal, an opinion) says when to try again, as the server says it (操作过于频繁，请 N 分钟后再试。),
   * as a filing quota; a new identity's (``"identity"``) says the network is shared (as the server's own does:
   * 当前网络下使用的人较多…请 N 分钟后重试…, web/limits.py IDENTITY_LIMITED); any other (a photo,
   * 关注) is the server's own sentence. A sentence without a time to wait (您已上传 20 张尚未提交的照片…) is
   * the server's too. */
  function rateLimited(said, kind) {
    var wait = /请 ?(\d+) ?(分钟|小时)后(?:再试|重试)/.exec(said || "");
    if (kind === "identity") {
      return wait ? MESSAGES.identity_limited.replace("请稍后重试", "请 " + wait[1] + " " + wait[2] + "后重试")
        : MESSAGES.identity_limited;
    }
    if (!wait || kind !== "filing") return said || (kind === "filing" ? MESSAGES.rate_limited : MESSAGES.busy);
    return "提交太频繁了，请 " + wait[1] + " " + wait[2] + "后再试" + (wait[2] === "分钟" ? "（每小时提交次数有限制）。" : "。");
  }

  var pending = null;

  /* The browser's token, creating or renewing the identity as needed. Returns null (with a message) on failure. */
  async function identify(renew) {
    if (!renew && getItem(TOKEN)) return { token: getItem(TOKEN) };
    if (pending) return pending;
    pending = (async function () {
      var key = getItem(KEY);
      // A page may say what a new identity is for (MSB.newIdentity: an open 述职测评's token, counted apart).
      var fresh = Object.assign({}, (window.MSB && window.MSB.newIdentity) || {});
      var answer = await request("POST", "/api/v1/auth/web", { json: key ? { key: key } : fresh, limitedAs: "identity" });
      if (!answer.ok && answer.status === 401 && key) {
        // The stored key is no longer known: start a new identity.
        setItem(KEY, null);
        answer = await request("POST", "/api/v1/auth/web", { json: fresh, limitedAs: "identity" });
      }
      if (!answer.ok) return { token: null, message: answer.message, limited: answer.status === 429 };
      setItem(KEY, answer.data.key);
      setItem(TOKEN, answer.data.token);
      return { token: answer.data.token };
    })();
    try { return await pending; } finally { pending = null; }
  }

  /* An API call as this browser's citizen; an expired token is renewed once with the stored key. */
  async function api(method, path, options) {
    options = Object.assign({}, options || {});
    var who = await identify(false);
    // No identity for this browser: nothing was sent. Refused for the address, it is a 429 (not to try again
    // at once, as after a network failure), marked ``limited``.
    if (!who.token) {
      return { ok: false, status: who.limited ? 429 : 0, error: "identity", limited: !!who.limited,
               message: who.message || MESSAGES.server };
    }
    options.token = who.token;
    var answer = await request(method, path, options);
    if (answer.status === 401 && getItem(KEY)) {
      who = await identify(true);
      if (!who.token) return answer;
      options.token = who.token;
      answer = await request(method, path, options);
    }
    return answer;
  }

  /* A photo the citizen uploaded, fetched with the token (an <img> cannot send one) and shown as a blob: URL. */
  async function imageUrl(path) {
    var token = getItem(TOKEN);
    if (!token) return null;
    try {
      var response = await fetch(path, { headers: { "Authorization": "Bearer " + token } });
      if (!response.ok) return null;
      return URL.createObjectURL(await response.blob());
    } catch (e) {
      return null;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* The moment ``iso`` names, shifted so that its UTC fields read China time (UTC+8), whatever zone
   * the phone is set to (Xinjiang time, a traveller's): every time the site shows is China's, as the
   * pages rendered by the server, the console and the WeChat messages show it. */
  function chinaClock(iso) {
    if (!iso) return null;
    var ms = Date.parse(iso);
    return isNaN(ms) ? null : new Date(ms + 8 * 3600 * 1000);
  }

  /* "2025-03-04 09:30" in China time. */
  function formatTime(iso) {
    var d = chinaClock(iso);
    if (!d) return "";
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }

  var WEEKDAYS = "日一二三四五六";

  /* A time span as a citizen reads a reception day: "2025-03-04（周二）09:00–12:00", in China time. */
  function formatSpan(startIso, endIso) {
    var start = formatTime(startIso);
    if (!start) return "";
    var day = chinaClock(startIso);
    var text = start.slice(0, 10) + "（周" + WEEKDAYS.charAt(day.getUTCDay()) + "）" + start.slice(11);
    var end = formatTime(endIso);
    if (!end) return text;
    return text + "–" + (end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end);
  }

  /* A contact phone as the API takes it (schemas.suggestions.PHONE), from the way people write one:
   * spaces, a mobile number grouped with dashes or led by the country code (+86, 0086), full-width digits
   * from a Chinese keyboard. A landline keeps the dash after its area code. */
  function phoneNumber(value) {
    var text = String(value || "").replace(/[\uFF10-\uFF19\uFF0B\uFF0D]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/\s+/g, "");
    var mobile = text.replace(/-/g, "").replace(/^(\+?86|0086)/, "");
    return /^1\d{10}$/.test(mobile) ? mobile : text;
  }

  /* What is wrong with ``number`` (a ``phoneNumber``) by the API's rule, as ``form`` carries it
   * (data-phone-pattern, data-phone-message: web.pages.phone_rule); "" when nothing is. */
  function phoneMistake(form, number) {
    var rule = new RegExp(form.dataset.phonePattern || "^1\\d{10}$|^0\\d{2,3}-?\\d{7,8}$");
    return rule.test(number) ? "" : form.dataset.phoneMessage || "联系电话格式不正确，请填写手机号或座机号。";
  }

  function show(node, visible) { if (node) node.hidden = !visible; }

  /* The page's own script is running: take away the hint shown when it takes too long (static/mobile.css). */
  function started() {
    Array.prototype.forEach.call(document.querySelectorAll(".script-late"), function (node) { node.remove(); });
  }

  /* An item's status as a citizen should read it: one merged into another is 已合并 (its own status is
   * closed, but nothing was done on it), not 已办结. */
  function statusOf(item) {
    if (item.merged_into) return { label: "已合并", className: "badge status-merged" };
    return { label: item.status_label, className: "badge status-" + item.status };
  }

  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  /* A step asked twice in the page (撤回, 取消约见), not with window.confirm, which some in-app browsers
   * suppress: ``trigger`` opens ``panel`` in its place with the focus on ``yes``; ``no`` or Escape closes
   * it and gives the focus back. Returns ``ask(open)``, to open or close it (and clear ``errorBox``). */
  function askFirst(trigger, panel, yes, no, errorBox) {
    function ask(open) {
      show(panel, open);
      show(trigger, !open);
      trigger.setAttribute("aria-expanded", open ? "true" : "false");
      showError(errorBox, "");
    }
    function keep() {
      ask(false);
      trigger.focus();
    }
    trigger.addEventListener("click", function () {
      ask(true);
      yes.focus();
    });
    no.addEventListener("click", keep);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !yes.disabled) keep();
    });
    return ask;
  }

  /* A mistake in one field, said under it: the control ``id`` and its message box ``id + "-error"``. */
  function setFieldError(id, message) {
    var control = document.getElementById(id);
    var box = document.getElementById(id + "-error");
    if (!control || !box) return;
    showError(box, message);
    if (message) control.setAttribute("aria-invalid", "true"); else control.removeAttribute("aria-invalid");
  }

  /* Every mistake found in a form at once, ``mistakes`` as [[field, message], ...] in the form's order:
     each said under its field (``setOne(field, message)``), the summary in ``formError`` naming the field
     ("联系电话：…") or, for several, all of them ("有 3 处需要修改：问题类别、建议内容、联系电话。"), by
     ``labels``; the first field's control (``controlOf(field)``) takes the focus, so the citizen is at it
     and a screen reader reads its message. */
  function showFieldErrors(mistakes, labels, setOne, formError, controlOf) {
    mistakes.forEach(function (mistake) { setOne(mistake[0], mistake[1]); });
    var field = mistakes[0][0], message = mistakes[0][1], label = labels[field];
    showError(formError, mistakes.length > 1
      ? "有 " + mistakes.length + " 处需要修改：" + mistakes.map(function (m) { return labels[m[0]]; }).join("、") + "。"
      : label && message.indexOf(label) === -1 ? label + "：" + message : message);
    var control = controlOf(field);
    if (control && !control.hidden) control.focus();
  }

  /* The first field error of a 422 as [field, message]; nested ones (location.lat) count for their field. */
  function firstFieldError(errors) {
    if (!errors) return null;
    for (var field in errors) {
      var messages = errors[field];
      if (Array.isArray(messages) && messages.length && typeof messages[0] === "string") return [field, messages[0]];
      if (messages && typeof messages === "object") {
        var nested = firstFieldError(messages);
        if (nested) return [field, nested[1]];
      }
    }
    return null;
  }

  /* A refused answer: a 422 naming a field is said under it (``showFieldError(field, message)``), any
     other refusal in ``formError``. */
  function showRefusal(answer, showFieldError, formError) {
    var fieldError = answer.status === 422 ? firstFieldError(answer.errors) : null;
    if (fieldError) showFieldError(fieldError[0], fieldError[1]);
    else showError(formError, answer.message);
  }

  /* What was just filed or asked: its number and private link (``path``) in the card with ids
     ``prefix + "done"``, ``"-number"``, ``"-link"``, ``"-open"``, in place of ``formCard``. The page's
     history entry keeps it, so the back button or a reload comes back to it (restoreDone), not to the
     form as it was typed, which one more tap would send again. */
  function showDone(prefix, formCard, number, path) {
    rememberDone(prefix, { number: number, path: path });
    showDoneCard(prefix, formCard, number, path);
    // The card, not the page's top: below a station's card on a small phone it would be off the screen.
    var card = document.getElementById(prefix + "done");
    card.scrollIntoView({ block: "start" });
    // The pressed button is gone with the form: the focus goes to the card's title (tabindex -1), so a
    // screen reader reads 提交成功 and the number next instead of nothing.
    focusOn(card.querySelector("h2"));
  }

  /* Move the focus to ``node`` (made focusable from script only), without scrolling the page again. */
  function focusOn(node) {
    if (!node) return;
    if (!node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
    node.focus({ preventScroll: true });
  }

  function rememberDone(prefix, done) {
    var state = Object.assign({}, window.history.state || {});
    if (done) state[prefix + "done"] = done; else delete state[prefix + "done"];
    window.history.replaceState(state, "");
  }

  /* The card ``showDone`` left in this history entry, if any, shown again. */
  function restoreDone(prefix, formCard) {
    var done = (window.history.state || {})[prefix + "done"];
    if (done) showDoneCard(prefix, formCard, done.number, done.path);
  }

  function showDoneCard(prefix, formCard, number, path) {
    var link = window.location.origin + path;
    document.getElementById(prefix + "done-number").textContent = number;
    var shown = document.getElementById(prefix + "done-link");
    shown.textContent = link;
    shown.href = link;
    document.getElementById(prefix + "done-open").href = link;
    // Without site storage the identity ends with the page: the link will not open the item later.
    show(document.getElementById(prefix + "done-unkept"), !store());
    show(formCard, false);
    show(document.getElementById(prefix + "done"), true);
  }

  /* A text box's counter ("120/1000", marked "near" past nine tenths of ``max``), kept up as the citizen
     types; returns the function that updates it, for the page to call after filling or clearing the box.
     The counter is no live region (a screen reader read it after every keystroke) and no part of the
     box's label: it describes the box (aria-describedby), and a hidden status after it (id + "-status")
     says once when the text passes nine tenths of ``max`` and once when it reaches it. */
  function charCounter(box, counter, max) {
    var status = document.getElementById(counter.id + "-status");
    if (!status) {
      status = el("span", "visually-hidden");
      status.id = counter.id + "-status";
      status.setAttribute("role", "status");
      counter.parentNode.insertBefore(status, counter.nextSibling);
    }
    var said = "";
    function update() {
      var length = box.value.length;
      counter.textContent = length + "/" + max;
      counter.classList.toggle("near", length > max * 0.9);
      var stage = length >= max ? "full" : length > max * 0.9 ? "near" : "";
      if (stage !== said) {
        said = stage;
        status.textContent = stage === "full" ? "已达到 " + max + " 字上限。"
          : stage === "near" ? "还可以输入 " + (max - length) + " 字。" : "";
      }
    }
    box.addEventListener("input", update);
    update();
    return update;
  }

  /* What the citizen typed in ``form``, kept in this tab (sessionStorage, under ``name``) as they type
   * (input/change, a moment after the last) and when the page goes away, so a reload, or the browser
   * discarding the tab while the camera app is open, does not lose it. Every control with an id is kept
   * but files and passwords; ``options.extra()`` adds what the page holds outside its controls (photos
   * uploaded, a position), null when nothing. Returns {save, forget, restore}: ``restore()`` puts the
   * controls back as kept (each announces its change, so counters and dependent fields follow) and
   * returns the kept draft {fields, extra}, or null. Separate from ``keyFor``'s draft, which is what was
   * sent. */
  var DRAFT_MS = 400;

  function keepDraft(form, name, options) {
    options = options || {};
    var stored = DRAFTS + name;
    var timer = null;
    // A control is known by its id, a radio without one by its name and value.
    function keyOf(c) { return c.id || (c.type === "radio" && c.name ? c.name + "=" + c.value : ""); }
    function controls() {
      return Array.prototype.filter.call(form.elements, function (c) {
        return keyOf(c) && /^(INPUT|SELECT|TEXTAREA)$/.test(c.tagName) && !/^(file|password|hidden|submit|button)$/.test(c.type);
      });
    }
    function collect() {
      var fields = {};
      controls().forEach(function (c) {
        fields[keyOf(c)] = c.type === "checkbox" || c.type === "radio" ? c.checked : c.value;
      });
      return fields;
    }
    var pristine = JSON.stringify(collect());
    function save() {
      window.clearTimeout(timer);
      timer = null;
      var fields = collect();
      var extra = options.extra ? options.extra() : null;
      setItem(stored, JSON.stringify(fields) === pristine && !extra ? null
        : JSON.stringify({ fields: fields, extra: extra }), "sessionStorage");
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, DRAFT_MS);
    }
    function flush() { if (timer) save(); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
    function forget() {
      window.clearTimeout(timer);
      timer = null;
      setItem(stored, null, "sessionStorage");
    }
    function restore() {
      var kept;
      try { kept = JSON.parse(getItem(stored, "sessionStorage")); } catch (e) { kept = null; }
      if (!kept || !kept.fields) return null;
      controls().forEach(function (c) {
        if (!Object.prototype.hasOwnProperty.call(kept.fields, keyOf(c))) return;
        var value = kept.fields[keyOf(c)];
        var check = c.type === "checkbox" || c.type === "radio";
        if (check ? c.checked === !!value : c.value === value) return;
        if (check) c.checked = !!value; else c.value = value;
        // A radio is left to the page to follow (its change handler may move the focus).
        if (c.type !== "radio") c.dispatchEvent(new Event(check || c.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
      });
      return kept;
    }
    return { save: save, later: later, forget: forget, restore: restore };
  }

  /* A form's sending state: while a request is on its way its button is disabled and reads 正在提交…, and
     the form is marked aria-busy; returns the function that sets it (true: sending; false: done). */
  function sendingState(form, submit) {
    var label = submit.textContent;
    return function (sending) {
      submit.disabled = sending;
      submit.textContent = sending ? "正在提交…" : label;
      if (sending) form.setAttribute("aria-busy", "true"); else form.removeAttribute("aria-busy");
    };
  }

  /* A list of this browser's items read a page at a time, newest first (GET ``options.url`` with page and
   * per_page): each page's items given to ``options.add(item)``, below those shown; the 加载更多 button
   * ``options.more`` shown while fewer than the answer's total are. An item already shown (one filed
   * meanwhile moved the pages on) is not added twice; ``options.done(shown)`` follows every page read, with
   * how many items are shown. ``options.loading`` is shown while the first page is read; a page that could not be read is said in ``options.error``, and the button stays to try
   * again. Returns {load, reset}: ``load()`` reads the next page and returns its answer; ``reset()`` starts
   * from the first again (after the list was emptied). */
  var PER_PAGE = 20;

  function pager(options) {
    var more = options.more;
    var label = more.textContent || "加载更多";
    var next = 1, listed = 0, shown = 0, seen = {};
    async function load() {
      if (options.error) showError(options.error, "");
      if (next === 1) show(options.loading, true);
      more.disabled = true;
      more.textContent = "正在加载…";
      var answer = await api("GET", options.url + (options.url.indexOf("?") === -1 ? "?" : "&") +
                             "per_page=" + PER_PAGE + "&page=" + next);
      show(options.loading, false);
      more.disabled = false;
      more.textContent = label;
      if (!answer.ok) {
        if (options.error) showError(options.error, answer.message);
        return answer;
      }
      var items = answer.data.items;
      items.forEach(function (item) {
        if (item.id !== undefined && seen[item.id]) return;
        seen[item.id] = true;
        shown += 1;
        options.add(item);
      });
      listed += items.length;
      next += 1;
      show(more, items.length > 0 && listed < answer.data.total);
      if (options.done) options.done(shown);
      return answer;
    }
    more.addEventListener("click", load);
    return {
      load: load,
      reset: function () { next = 1; listed = 0; shown = 0; seen = {}; show(more, false); }
    };
  }

  window.MSB = {
    pager: pager,
    api: api,
    request: request,
    identify: identify,
    hasIdentity: function () { return !!(getItem(TOKEN) || getItem(KEY)); },
    /* After 注销: this browser forgets its identity (key and token), and the tab what was typed or sent
     * unconfirmed (drafts hold a phone number); a later filing starts a new one. */
    forgetIdentity: function () { setItem(KEY, null); setItem(TOKEN, null); forgetDrafts(); },
    imageUrl: imageUrl,
    randomKey: randomKey,
    keyFor: keyFor,
    sendOnce: sendOnce,
    keepDraft: keepDraft,
    focusOn: focusOn,
    unsent: unsent,
    settled: settled,
    el: el,
    formatTime: formatTime,
    formatSpan: formatSpan,
    phoneNumber: phoneNumber,
    phoneMistake: phoneMistake,
    show: show,
    started: started,
    statusOf: statusOf,
    showError: showError,
    askFirst: askFirst,
    setFieldError: setFieldError,
    charCounter: charCounter,
    sendingState: sendingState,
    showFieldErrors: showFieldErrors,
    firstFieldError: firstFieldError,
    showRefusal: showRefusal,
    showDone: showDone,
    restoreDone: restoreDone,
    forgetDone: function (prefix) { rememberDone(prefix, null); },
    messages: MESSAGES
  };
})();
