/* Evidence upload: several files, one after the other, each with its own progress bar.
 *
 * A file is never read whole into memory: its SHA-256 is computed from 4 MiB slices with the
 * vendored js-sha256 (crypto.subtle.digest would need the whole file at once), then the File
 * itself is the request body, which the browser streams from disk. The digest travels ahead in
 * Repr-Digest, so the server streams the body straight to storage and checks it on the way
 * (decisions 0017, 0022, 0037). The session's CSRF token goes in X-CSRF-Token.
 * No inline script or style anywhere (the page's CSP forbids both). */
(function () {
  "use strict";
  var form = document.getElementById("upload");
  if (!form) { return; }
  var input = document.getElementById("files");
  var drop = document.getElementById("drop");
  var list = document.getElementById("uploads");
  var data = form.dataset;
  var maxBytes = parseInt(data.maxBytes, 10);
  var SLICE = 4 * 1024 * 1024;
  var busy = false;

  function words(text) {
    // The server speaks both languages as "ไทย / English": show the page's.
    var cut = text.indexOf(" / ");
    if (cut < 0) { return text; }
    return data.lang === "th" ? text.slice(0, cut) : text.slice(cut + 3);
  }

  var rules = JSON.parse(data.rules || "{}");

  function said(field, rule, message) {
    // The page's own words for the rules it knows (in its language); else the server's.
    if (rules[rule]) { return rules[rule]; }
    if ((field === "effective_from" || field === "effective_to") && !/ \/ /.test(message)) {
      return rules.date;
    }
    return words(message);
  }

  function sizeText(n) {
    if (n >= 1048576) { return (n / 1048576).toFixed(1) + " MiB"; }
    if (n >= 1024) { return (n / 1024).toFixed(1) + " KiB"; }
    return n + " B";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function fieldError(name, text) {
    var box = document.getElementById(name + "-error");
    var field = document.getElementById(name);
    if (!box) { return false; }
    box.textContent = text || "";
    box.hidden = !text;
    if (field) {
      if (text) { field.setAttribute("aria-invalid", "true"); }
      else { field.removeAttribute("aria-invalid"); }
    }
    return true;
  }

  function clearErrors() {
    ["files", "effective_from", "effective_to", "supersedes"].forEach(function (name) {
      fieldError(name, "");
    });
  }

  function row(file) {
    var item = el("li", "upload-row");
    item.appendChild(el("span", "file-name", file.name));
    item.appendChild(el("span", "file-size small", sizeText(file.size)));
    var bar = el("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    item.appendChild(bar);
    var state = el("span", "file-state", data.msgWaiting);
    item.appendChild(state);
    var hash = el("p", "file-hash");
    hash.hidden = true;
    item.appendChild(hash);
    var why = el("p", "file-error");
    why.setAttribute("role", "alert");
    why.hidden = true;
    item.appendChild(why);
    list.appendChild(item);
    return { item: item, bar: bar, state: state, hash: hash, why: why };
  }

  function phase(view, name, text) {
    view.item.setAttribute("data-phase", name);
    view.state.textContent = text;
  }

  function refuse(view, text) {
    phase(view, "refused", data.msgRefused);
    view.item.classList.add("refused");
    view.why.textContent = text;
    view.why.hidden = false;
  }

  function digest(file, view) {
    // Slice by slice: memory stays at one slice whatever the file's size.
    var lib = window.sha256;
    var hasher = lib.create();
    var offset = 0;
    phase(view, "hashing", data.msgHashing);
    function next() {
      if (offset >= file.size) {
        return Promise.resolve(hasher);
      }
      var end = Math.min(offset + SLICE, file.size);
      return file.slice(offset, end).arrayBuffer().then(function (buffer) {
        hasher.update(buffer);
        offset = end;
        view.bar.value = file.size ? offset / file.size : 1;
        return next();
      });
    }
    return next().then(function (done) {
      var bytes = new Uint8Array(done.arrayBuffer());
      var binary = "";
      for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
      return { hex: done.hex(), base64: btoa(binary) };
    });
  }

  function query(file) {
    var params = new URLSearchParams();
    params.set("name", file.name);
    ["effective_from", "effective_to", "supersedes"].forEach(function (name) {
      var field = document.getElementById(name);
      if (field && field.value.trim()) { params.set(name, field.value.trim()); }
    });
    return params.toString();
  }

  function answer(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (ignored) { return null; }
  }

  function send(file, view, sum) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", data.url + "?" + query(file));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-CSRF-Token", data.csrf);
      xhr.setRequestHeader("Repr-Digest", "sha-256=:" + sum.base64 + ":");
      xhr.setRequestHeader("Accept", "application/json");
      view.bar.value = 0;
      phase(view, "uploading", data.msgUploading);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable && event.total) {
          view.bar.value = event.loaded / event.total;
        }
      });
      xhr.upload.addEventListener("load", function () {
        view.bar.value = 1;
        phase(view, "saving", data.msgSaving);
      });
      xhr.addEventListener("load", function () {
        var body = answer(xhr);
        if (xhr.status === 201 && body && body.sha256) {
          phase(view, "done", data.msgDone);
          view.item.classList.add("done");
          view.hash.textContent = data.msgHash + " " + body.sha256;
          view.hash.setAttribute("data-sha256", body.sha256);
          view.hash.hidden = false;
          resolve(true);
          return;
        }
        var reasons = [];
        if (body && body.errors) {
          body.errors.forEach(function (e) {
            var field = String(e.field || "").replace(/^query\./, "");
            var text = said(field, e.rule, e.message || "");
            reasons.push(text);
            if (field !== "file") { fieldError(field, text); }
          });
        }
        if (!reasons.length && body && body.detail) { reasons.push(words(body.detail)); }
        if (!reasons.length) { reasons.push(String(xhr.status)); }
        refuse(view, reasons.join(" "));
        resolve(false);
      });
      xhr.addEventListener("error", function () {
        refuse(view, data.msgNetwork);
        resolve(false);
      });
      xhr.send(file);
    });
  }

  function one(file, view) {
    if (file.size > maxBytes) {
      refuse(view, data.msgTooLarge + " (" + sizeText(file.size) + " > " + sizeText(maxBytes) + ")");
      return Promise.resolve(false);
    }
    return digest(file, view).then(function (sum) { return send(file, view, sum); });
  }

  function refreshList() {
    // The list below is the server's, as a reload would show it; the form keeps what was typed.
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var now = document.getElementById("evidence-list");
        var got = fresh.getElementById("evidence-list");
        if (now && got) { now.replaceWith(document.importNode(got, true)); }
        var select = document.getElementById("supersedes");
        var options = fresh.getElementById("supersedes");
        if (select && options) { select.replaceChildren.apply(select, Array.from(options.children).map(function (o) { return document.importNode(o, true); })); }
      })
      .catch(function () { /* the uploads are recorded; a reload shows them */ });
  }

  function start(files) {
    if (busy) { return; }
    clearErrors();
    if (!files || !files.length) {
      fieldError("files", data.msgNone);
      return;
    }
    var replacing = document.getElementById("supersedes");
    if (replacing && replacing.value && files.length > 1) {
      fieldError("supersedes", data.msgOneToReplace);
      return;
    }
    busy = true;
    form.setAttribute("aria-busy", "true");
    var chosen = Array.from(files);
    var views = chosen.map(row);
    var chain = Promise.resolve();
    chosen.forEach(function (file, i) {
      chain = chain.then(function () { return one(file, views[i]); });
    });
    chain.then(refreshList).then(function () {
      busy = false;
      form.removeAttribute("aria-busy");
      input.value = "";
      form.setAttribute("data-finished", String(Number(form.getAttribute("data-finished") || 0) + 1));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    start(input.files);
  });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });
}());
