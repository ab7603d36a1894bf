/* /q/{code}: the citizen's form to file a suggestion to a deputy or a station (outside WeChat). */
(function () {
  "use strict";

  var MSB = window.MSB;
  var form = document.getElementById("file-form");
  if (!form || !MSB) return;

  var MAX_PHOTOS = 9;
  var MAX_CHARS = 1000;
  var SHRINK_ABOVE = 2.5 * 1024 * 1024;
  // The server's limits (UPLOAD_MAX_PIXELS for a JPEG, UPLOAD_MAX_FULL_DECODE_PIXELS for any other image,
  // UPLOAD_MAX_SIDE): a photo over its pixel count is refused, and none is kept wider or higher than the side.
  var MAX_JPEG_PIXELS = parseInt(form.dataset.maxPixels, 10) || 80000000;
  var MAX_OTHER_PIXELS = parseInt(form.dataset.maxFullDecodePixels, 10) || 16000000;
  var MAX_SIDE = parseInt(form.dataset.maxSide, 10) || 2560;
  // UPLOAD_MAX_BYTES: a file still heavier once the page has tried to shrink it is refused here, with the
  // server's sentence, not sent (up to 20 MB over a phone's network) to be refused there.
  var MAX_BYTES = parseInt(form.dataset.maxBytes, 10) || 10 * 1024 * 1024;
  // What the API's field errors are about, to say so in the message.
  var FIELD_LABELS = {
    category: "问题类别", content: "建议内容", contact_phone: "联系电话", location: "位置",
    attachment_ids: "照片", anonymous: "匿名提交", public_consent: "同意公开"
  };

  var $ = function (id) { return document.getElementById(id); };
  var category = $("category");
  var content = $("content");
  var counter = $("counter");
  var photosBox = $("photos");
  var photoAdd = $("photo-add");
  var photoInput = $("photo-input");
  var locateButton = $("locate");
  var locateStatus = $("locate-status");
  var address = $("address");
  var addressField = $("address-field");  // the address box with its label, shown once there is a position
  var nearbyBox = $("nearby");
  var nearbyList = $("nearby-list");
  var formError = $("form-error");
  var submit = $("submit");
  var draftNotice = $("draft-notice");
  var draftKept = $("draft-kept");

  var photos = [];  // {id, url, tile, state, blob, name, key, uploading, failed, retry, message}
  var RETRY_MESSAGE = "照片上传失败：网络连接不稳定或服务器繁忙。请检查网络后点照片上的“重试”，或删除这张照片。";
  var photoMessage = null;  // the form's error when it is about the photos (cleared as they are removed)
  var position = null;  // {lat, lng}
  var DRAFT = "filing." + form.dataset.code;  // the filing's Idempotency-Key is kept with it (MSB.keyFor)
  var HEIC_MESSAGE = "这张照片是 HEIC 格式，暂不支持。苹果手机可在“设置—相机—格式”中选择“兼容性最佳”后重新拍摄，或截图后上传截图。";
  // The photos' news for a screen reader (第 2 张照片已上传), which their tiles do not say aloud.
  var photosStatus = MSB.el("span", "visually-hidden");
  photosStatus.setAttribute("role", "status");
  photosBox.parentNode.appendChild(photosStatus);
  var nearbyShownFor = "";

  MSB.started();
  // The page came back from a post made without this script; the script runs now, so it can file.
  var postedNotice = $("posted-notice");
  if (postedNotice) postedNotice.remove();

  // --- categories (in the page; asked for only if it has none) ---------------------------------

  if (category.options.length <= 1) {
    MSB.request("GET", "/api/v1/suggestions/categories").then(function (answer) {
      if (!answer.ok) {
        MSB.showError(formError, "问题类别加载失败，请刷新页面重试。");
        return;
      }
      answer.data.categories.forEach(function (name) {
        var option = MSB.el("option", null, name);
        option.value = name;
        category.appendChild(option);
      });
    });
  }

  category.addEventListener("change", checkNearby);

  // --- text and its counter -------------------------------------------------------------------

  var updateCounter = MSB.charCounter(content, counter, MAX_CHARS);

  // --- a field's own error, shown under it -----------------------------------------------------

  var setFieldError = MSB.setFieldError;

  function clearFieldErrors() {
    Object.keys(FIELD_LABELS).forEach(function (field) { setFieldError(field, ""); });
  }

  [category, content, $("contact_phone")].forEach(function (control) {
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
      setFieldError(control.id, "");
    });
  });

  /* Mistakes in fields, [[field, message], ...]: each said under its field, and by the submit button
   * naming them (MSB.showFieldErrors); the first field takes the focus. */
  function showFieldErrors(mistakes) {
    MSB.showFieldErrors(mistakes, FIELD_LABELS, setFieldError, formError, $);
  }

  function showFieldError(field, message) { showFieldErrors([[field, message]]); }

  // --- photos ---------------------------------------------------------------------------------

  function refreshPhotoAdd() {
    MSB.show(photoAdd, photos.length < MAX_PHOTOS);
  }

  function loadImage(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () { resolve({ image: image, url: url }); };
      image.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
      image.src = url;
    });
  }

  /* A photo the server would refuse for its pixel count, or one heavy to send, redrawn smaller as a
   * JPEG: within its pixel limit and MAX_SIDE. Anything the browser cannot draw goes as it is (the server
   * says what is wrong with it). */
  async function shrink(file) {
    var loaded = await loadImage(file);
    if (!loaded) return file;
    try {
      var width = loaded.image.naturalWidth, height = loaded.image.naturalHeight;
      var MAX_PIXELS = file.type === "image/jpeg" ? MAX_JPEG_PIXELS : Math.min(MAX_JPEG_PIXELS, MAX_OTHER_PIXELS);
      var tooManyPixels = width * height > MAX_PIXELS;
      if (!width || !height || (!tooManyPixels && file.size <= SHRINK_ABOVE)) return file;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height), Math.sqrt(MAX_PIXELS / (width * height)) * 0.999);
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.floor(width * scale));
      canvas.height = Math.max(1, Math.floor(height * scale));
      canvas.getContext("2d").drawImage(loaded.image, 0, 0, canvas.width, canvas.height);
      var blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
      // Over the pixel count the original would be refused, however small; otherwise keep the lighter one.
      return blob && (tooManyPixels || blob.size < file.size) ? blob : file;
    } catch (e) {
      return file;
    } finally {
      URL.revokeObjectURL(loaded.url);
    }
  }

  function showPhotoError(message) {
    photoMessage = message;
    MSB.showError(formError, message);
  }

  /* After a photo is removed or sent again, the form's error about photos says what is still wrong, or goes. */
  function refreshPhotoError() {
    if (photoMessage === null || formError.hidden || formError.textContent !== photoMessage) {
      photoMessage = null;
      return;
    }
    var failed = photos.filter(function (p) { return p.failed; });
    if (failed.length) {
      showPhotoError(failed[failed.length - 1].message);
    } else {
      photoMessage = null;
      MSB.showError(formError, "");
    }
  }

  /* ``photo`` taken off the form (its ×). An uploaded one is deleted on the server too (DELETE
   * /uploads/{id}): kept there, it would count against the photos uploaded and not yet filed
   * (UPLOAD_MAX_UNATTACHED) for a day. One still uploading is deleted once its upload is done (upload).
   * ``filed``: the photos of a suggestion just filed, which stay with it. */
  function removePhoto(photo, filed) {
    if (photo.id && !filed) forgetPhoto(photo);
    photos = photos.filter(function (p) { return p !== photo; });
    photo.tile.remove();
    refreshPhotoAdd();
    refreshPhotoError();
    renumber();
    typed.later();
  }

  /* Delete an uploaded photo the citizen took off the form; a failure only leaves it for the sweep. */
  function forgetPhoto(photo) {
    MSB.api("DELETE", "/api/v1/uploads/" + encodeURIComponent(photo.id));
  }

  /* What a photo is called: 第 N 张照片, by its place among the tiles (a screen reader tells them apart). */
  function nameOf(photo) { return "第 " + (photos.indexOf(photo) + 1) + " 张照片"; }

  /* Each tile's picture and buttons named by its place, after one is added or removed. */
  function renumber() {
    photos.forEach(function (photo) {
      var name = nameOf(photo);
      photo.img.alt = name;
      photo.remove.setAttribute("aria-label", "删除" + name);
      if (photo.state && photo.state.tagName === "BUTTON") photo.state.setAttribute("aria-label", name + "上传失败，点此重试");
    });
  }

  /* The tile of ``photo`` (with its 删除 button), added to the form; returns its <img>. */
  function addTile(photo) {
    var tile = MSB.el("div", "photo");
    var img = MSB.el("img");
    var remove = MSB.el("button", "photo-remove");
    remove.type = "button";
    var cross = MSB.el("span", null, "×");
    cross.setAttribute("aria-hidden", "true");
    remove.appendChild(cross);
    remove.addEventListener("click", function () { removePhoto(photo, false); });
    tile.appendChild(img);
    tile.appendChild(remove);
    photo.tile = tile;
    photo.img = img;
    photo.remove = remove;
    photosBox.insertBefore(tile, photoAdd);
    photos.push(photo);
    refreshPhotoAdd();
    renumber();
    return img;
  }

  async function addPhoto(file) {
    var photo = { id: null, uploading: true, failed: false };
    addTile(photo).src = URL.createObjectURL(file);
    photo.tile.classList.add("uploading");
    var state = MSB.el("span", "photo-state", "上传中…");
    photo.tile.insertBefore(state, photo.tile.lastChild);

    photo.blob = await shrink(file);
    photo.name = file.name || "photo.jpg";
    photo.key = MSB.randomKey();  // kept for a retry: the same photo is stored once
    photo.state = state;
    if (photo.blob.size > MAX_BYTES) {
      return failed(photo, { status: 413, message: "图片不能超过 " + Math.round(MAX_BYTES / 104857.6) / 10 + " MB，请压缩后重新上传。" });
    }
    upload(photo);
  }

  async function upload(photo) {
    var data = new FormData();
    data.append("file", photo.blob, photo.name);
    // A stalled connection is cut off (MSB.request: no progress for a while) and offered again below.
    var answer = await MSB.api("POST", "/api/v1/uploads", {
      form: data, idempotencyKey: photo.key,
      onProgress: function (percent) {
        // On a slow link the tile shows how far it is (a big photo can take a minute on 3G).
        if (photo.uploading && percent < 100) photo.state.textContent = "上传中 " + percent + "%";
      }
    });
    photo.uploading = false;
    photo.tile.classList.remove("uploading");
    if (answer.ok) {
      photo.id = answer.data.id;
      if (photos.indexOf(photo) === -1) return forgetPhoto(photo);  // removed while it was uploading
      photo.url = answer.data.url;
      photo.failed = false;
      photo.state.remove();
      photo.state = null;
      refreshPhotoError();
      if (photos.indexOf(photo) !== -1) photosStatus.textContent = nameOf(photo) + "已上传";
      typed.later();
      return;
    }
    failed(photo, answer);
  }

  /* ``photo``'s tile marked 上传失败 for ``answer`` (its ``status`` and ``message``). */
  function failed(photo, answer) {
    photo.uploading = false;
    photo.tile.classList.remove("uploading");
    photo.failed = true;
    photo.tile.classList.add("failed");
    // Cut off or the server busy: the same photo may go again from its tile. Refused (its format, its
    // size): it may not, and the server's sentence says what to do.
    photo.retry = answer.status === 0 || answer.status >= 500;
    photo.message = photo.retry ? RETRY_MESSAGE : answer.message;
    var state = MSB.el(photo.retry ? "button" : "span", "photo-state", photo.retry ? "上传失败\n点此重试" : "上传失败");
    if (photo.retry) {
      state.type = "button";
      state.addEventListener("click", function () { retryPhoto(photo); });
    }
    photo.state.replaceWith(state);
    photo.state = state;
    renumber();
    if (photos.indexOf(photo) !== -1) showPhotoError(photo.message);  // unless removed while uploading
    typed.later();
  }

  function retryPhoto(photo) {
    photo.uploading = true;
    photo.tile.classList.remove("failed");
    photo.tile.classList.add("uploading");
    var state = MSB.el("span", "photo-state", "上传中…");
    photo.state.replaceWith(state);
    photo.state = state;
    upload(photo);
  }

  /* A HEIC/HEIF photo (iPhones, and many Android phones' 高效 format), by its type, its name or its first
   * bytes (an ISO box "ftyp" with a HEIF brand): the server takes none, and sending one cost minutes on
   * a slow link before the refusal. */
  var HEIF_BRANDS = /^(heic|heix|hevc|hevx|heim|heis|hevm|hevs|mif1|msf1)$/;

  async function isHeif(file) {
    if (/^image\/hei[cf]/i.test(file.type || "") || /\.hei[cf]$/i.test(file.name || "")) return true;
    try {
      var head = new Uint8Array(await file.slice(4, 12).arrayBuffer());
      var text = String.fromCharCode.apply(null, head);
      return text.slice(0, 4) === "ftyp" && HEIF_BRANDS.test(text.slice(4));
    } catch (e) {
      return false;
    }
  }

  photoInput.addEventListener("change", async function () {
    var files = Array.prototype.slice.call(photoInput.files || []);
    photoInput.value = "";
    var kinds = await Promise.all(files.map(isHeif));
    var refused = files.filter(function (file, i) { return kinds[i]; });
    files = files.filter(function (file, i) { return !kinds[i]; });
    var room = MAX_PHOTOS - photos.length;
    if (files.length > room) {
      showPhotoError("最多上传 " + MAX_PHOTOS + " 张照片，多出的照片没有添加。");
      files = files.slice(0, room);
    } else if (refused.length) {
      showPhotoError(HEIC_MESSAGE);
    } else {
      MSB.showError(formError, "");
    }
    files.forEach(addPhoto);
  });

  // --- location (optional) --------------------------------------------------------------------

  locateButton.addEventListener("click", function () {
    if (!navigator.geolocation || !window.isSecureContext) {
      locateStatus.textContent = "当前浏览器无法获取位置，可以在内容中写明地点。";
      return;
    }
    locateStatus.textContent = "正在获取位置…";
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (found) {
      locateButton.disabled = false;
      position = { lat: found.coords.latitude, lng: found.coords.longitude };
      locateStatus.textContent = "已获取当前位置（精度约 " + Math.round(found.coords.accuracy || 0) + " 米）。";
      locateButton.textContent = "重新获取位置";
      MSB.show(addressField, true);
      typed.later();
      checkNearby();
    }, function () {
      locateButton.disabled = false;
      locateStatus.textContent = "未能获取位置（可能未授权），不影响提交，可以在内容中写明地点。";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // --- the same problem nearby: follow instead of filing again --------------------------------

  async function checkNearby() {
    if (!position || !category.value) return;
    var probe = category.value + "|" + position.lat.toFixed(4) + "|" + position.lng.toFixed(4);
    if (probe === nearbyShownFor) return;
    nearbyShownFor = probe;
    var query = "?category=" + encodeURIComponent(category.value) + "&lat=" + position.lat + "&lng=" + position.lng + "&system=wgs84";
    var answer = await MSB.api("GET", "/api/v1/suggestions/nearby" + query);
    while (nearbyList.firstChild) nearbyList.removeChild(nearbyList.firstChild);
    var items = answer.ok ? answer.data.items : [];
    items.forEach(function (item) {
      var li = MSB.el("li", "nearby-item");
      var head = MSB.el("div", "nearby-head");
      head.appendChild(MSB.el("span", "badge status-" + item.status, item.status_label));
      head.appendChild(MSB.el("span", "small muted", "约 " + item.distance_m + " 米 · " + MSB.formatTime(item.created_at)));
      li.appendChild(head);
      li.appendChild(MSB.el("p", "nearby-text", item.content));
      var follow = MSB.el("button", "btn secondary small-btn", "关注这一条");
      follow.type = "button";
      follow.addEventListener("click", async function () {
        follow.disabled = true;
        var followed = await MSB.api("POST", "/api/v1/suggestions/" + item.id + "/follow");
        if (followed.ok) {
          var done = MSB.el("p", "small followed");
          done.appendChild(document.createTextNode("已关注，办理进展可在"));
          var link = MSB.el("a", null, "这里查看");
          link.href = "/track/" + item.id;
          done.appendChild(link);
          follow.replaceWith(done);
          MSB.focusOn(done);  // the pressed button is gone: a screen reader reads what was done
        } else {
          follow.disabled = false;
          MSB.showError(formError, followed.message);
        }
      });
      li.appendChild(follow);
      nearbyList.appendChild(li);
    });
    MSB.show(nearbyBox, items.length > 0);
  }

  // --- filing ---------------------------------------------------------------------------------

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    MSB.show(draftNotice, false);
    MSB.show(draftKept, false);
    MSB.showError(formError, "");
    clearFieldErrors();
    // Every mistake the page can see is said at once, not one per submit.
    var phone = MSB.phoneNumber($("contact_phone").value);
    var mistakes = [];
    if (!category.value) mistakes.push(["category", "请选择问题类别。"]);
    if (!content.value.trim()) mistakes.push(["content", "请填写建议内容。"]);
    var phoneWrong = phone && MSB.phoneMistake(form, phone);
    if (phoneWrong) mistakes.push(["contact_phone", phoneWrong]);
    if (mistakes.length) return showFieldErrors(mistakes);
    if (photos.some(function (p) { return p.uploading; })) return MSB.showError(formError, "照片还在上传，请稍候再提交。");
    if (photos.some(function (p) { return p.failed && p.retry; })) return showPhotoError(RETRY_MESSAGE);
    if (photos.some(function (p) { return p.failed; })) return showPhotoError("有照片上传失败，请删除后重新添加。");

    var body = {
      qr_code: form.dataset.code,
      category: category.value,
      content: content.value,
      anonymous: $("anonymous").checked,
      public_consent: $("public_consent").checked
    };
    if (phone) body.contact_phone = phone;
    // A browser's position is GPS (WGS-84); the server turns it into China's maps' system.
    if (position) body.location = { lat: position.lat, lng: position.lng, system: "wgs84", address: address.value.trim() };
    var ids = photos.map(function (p) { return p.id; }).filter(Boolean);
    if (ids.length) body.attachment_ids = ids;

    // Sent again (a retry, or after a reload), changed or not, it goes with the same key: filed once
    // (MSB.sendOnce; ``earlier``: the first filing, made before the change).
    submit.disabled = true;
    submit.textContent = "正在提交…";
    var answer = await MSB.sendOnce(DRAFT, "/api/v1/suggestions", body, { photos: uploadedPhotos() });
    submit.disabled = false;
    submit.textContent = "提交建议";
    if (!answer.ok) {
      MSB.showRefusal(answer, showFieldError, formError);
      return;
    }
    typed.forget();
    MSB.show($("done-earlier"), !!answer.earlier);
    MSB.showDone("", $("file-card"), answer.data.number, "/track/" + answer.data.id);
  });

  function uploadedPhotos() {
    return photos.filter(function (p) { return p.id; }).map(function (p) { return { id: p.id, url: p.url }; });
  }

  // What is typed is kept in the tab as it is typed (MSB.keepDraft), with the photos already uploaded and
  // the position: a reload, or the tab discarded while the camera is open, gives it back.
  var typed = MSB.keepDraft(form, DRAFT, {
    extra: function () {
      var kept = uploadedPhotos();
      var lost = photos.length - kept.length;
      return kept.length || lost || position ? { photos: kept, lost: lost, position: position } : null;
    }
  });

  MSB.restoreDone("", $("file-card"));

  function restorePosition(where, text) {
    position = where;
    MSB.show(addressField, true);
    locateStatus.textContent = "已恢复上次获取的位置。";
    locateButton.textContent = "重新获取位置";
    if (text !== undefined) address.value = text;
  }

  function restorePhotos(list) {
    (list || []).forEach(async function (photo) {
      var img = addTile({ id: photo.id, url: photo.url, uploading: false, failed: false });
      var shown = await MSB.imageUrl(photo.url);
      if (shown) img.src = shown;
    });
  }

  /* The form as the citizen left it: as last typed (MSB.keepDraft), or else as last sent when its answer
   * never came. A filing sent and unconfirmed says so (draftNotice): sent again, changed or not, it goes
   * with the same Idempotency-Key (MSB.sendOnce). Otherwise the notice says the typing was kept, and how
   * many photos were not (those not uploaded yet). */
  function restoreDraft() {
    if (postedNotice || !$("done").hidden) return;
    var kept = MSB.unsent(DRAFT);
    var last = typed.restore();
    if (!kept && !last) return;
    if (last) {
      var extra = last.extra || {};
      if (extra.position) restorePosition(extra.position);
      restorePhotos(extra.photos);
      $("draft-kept-lost").textContent = extra.lost ? "有 " + extra.lost + " 张照片未能保留，请重新添加。" : "";
    } else {
      var body = kept.body;
      category.value = body.category;
      content.value = body.content;
      updateCounter();
      $("contact_phone").value = body.contact_phone || "";
      $("anonymous").checked = !!body.anonymous;
      $("public_consent").checked = !!body.public_consent;
      if (body.location) restorePosition({ lat: body.location.lat, lng: body.location.lng }, body.location.address || "");
      restorePhotos(kept.extra && kept.extra.photos);
    }
    MSB.show(kept ? draftNotice : draftKept, true);
  }
  restoreDraft();

  $("again").addEventListener("click", function () {
    MSB.forgetDone("");
    MSB.show(draftNotice, false);
    MSB.show(draftKept, false);
    MSB.show($("done-earlier"), false);
    form.reset();
    // A page given back after a post made without the script has what was typed as the fields'
    // defaults, which reset() restores: a new suggestion starts empty.
    category.value = "";
    content.value = "";
    $("contact_phone").value = "";
    $("anonymous").checked = false;
    $("public_consent").checked = false;
    clearFieldErrors();
    photos.slice().forEach(function (photo) { removePhoto(photo, true); });
    position = null;
    nearbyShownFor = "";
    address.value = "";
    MSB.show(addressField, false);
    MSB.show(nearbyBox, false);
    locateStatus.textContent = "";
    locateButton.textContent = "获取当前位置";
    updateCounter();
    typed.forget();  // after the photos' removal, which would keep the emptied form
    MSB.show($("done"), false);
    MSB.show($("file-card"), true);
    $("file-card").scrollIntoView({ block: "start" });
  });
})();
