/* Deputy import: upload with a progress bar, then show the counts and the row-by-row error report. */
(function () {
  "use strict";

  var form = document.getElementById("import-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;  // the plain form post still works
  }
  var box = document.getElementById("import-progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var target = document.getElementById("import-result");
  var button = form.querySelector("button[type=submit]");
  var SHOWN = 1000;

  function el(tag, content, className) {
    var node = document.createElement(tag);
    if (content !== undefined && content !== null) {
      node.textContent = String(content);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function showError(message) {
    var section = el("section", null, "card notice error-notice");
    section.setAttribute("role", "alert");
    section.appendChild(el("p", "导入失败：" + message));
    target.replaceChildren(section);
  }

  function showResult(result) {
    var section = el("section", null, "card");
    section.appendChild(el("h2", "导入结果"));
    var counts = el("ul", null, "counts");
    var rows = {};  // a row may have several problems: count the rows skipped, not the problems
    result.errors.forEach(function (e) { rows[e.row] = true; });
    [[result.created, "新增"], [result.updated, "更新"], [result.unchanged, "未变化"], [Object.keys(rows).length, "行有误"]]
      .forEach(function (pair) {
        var li = el("li");
        li.appendChild(el("strong", pair[0]));
        li.appendChild(document.createTextNode(" " + pair[1]));
        counts.appendChild(li);
      });
    section.appendChild(counts);
    var notices = result.notices || [];  // what the import did beyond its counts; absent when nothing
    if (notices.length) {
      section.appendChild(el("h3", "提示（共 " + notices.length + " 条）"));
      var list = el("ul", null, "import-notices");
      notices.slice(0, SHOWN).forEach(function (n) {
        list.appendChild(el("li", (n.field ? "第 " + n.row + " 行：" : "") + n.message));  // blank: about several rows
      });
      section.appendChild(list);
    }
    if (result.errors.length) {
      section.appendChild(el("h3", "错误报告（共 " + result.errors.length + " 处问题）"));
      var table = el("table", null, "list import-errors");
      var head = el("tr");
      ["行号", "列", "问题"].forEach(function (h) { head.appendChild(el("th", h)); });
      table.appendChild(el("thead")).appendChild(head);
      var body = el("tbody");
      result.errors.slice(0, SHOWN).forEach(function (e) {
        var tr = el("tr");
        tr.appendChild(el("td", e.row));
        tr.appendChild(el("td", e.field));
        tr.appendChild(el("td", e.message));
        body.appendChild(tr);
      });
      table.appendChild(body);
      section.appendChild(table);
      if (result.errors.length > SHOWN) {
        var more = el("p", "仅显示前 " + SHOWN + " 条，共 " + result.errors.length + " 条。", "muted");
        if (result.error_report_url) {
          var link = el("a", "下载完整错误报告（.xlsx）");
          link.href = result.error_report_url;
          more.appendChild(document.createTextNode(" "));
          more.appendChild(link);
        }
        section.appendChild(more);
      }
    }
    target.replaceChildren(section);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.pathname);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    box.hidden = false;
    bar.value = 0;
    text.textContent = "正在上传… 0%";
    button.disabled = true;
    target.replaceChildren();

    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = "正在上传… " + percent + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate while the server imports
      text.textContent = "上传完成，正在导入，请稍候…";
    });
    xhr.addEventListener("load", function () {
      button.disabled = false;
      var data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (ignored) {
        data = null;
      }
      if (xhr.status === 200 && data && data.errors) {
        bar.value = 100;
        text.textContent = "导入完成。";
        showResult(data);
      } else {
        box.hidden = true;
        showError((data && data.message) || "服务器没有返回结果（状态 " + xhr.status + "），请稍后重试。");
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      box.hidden = true;
      showError("网络连接中断，请检查网络后重试。");
    });
    xhr.send(new FormData(form));
  });
})();
