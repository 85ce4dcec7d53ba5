/* The start page: the list of batches, live, and an upload area (file picker, folder
 * picker, drag and drop anywhere on the page) that sends the files with XMLHttpRequest (for
 * its upload progress events), then opens the new batch's page.
 *
 * The list follows GET /api/batches/stream (Server-Sent Events: a `batches` event with the
 * whole list at once, then again after every change; `ping` after silence; `timeout` before
 * the server closes). No polling: a lost stream is reopened with backoff (1 s → 30 s with
 * jitter, 5 attempts: BatchState.backoffDelay, as the batch page); a first connection that
 * fails is followed by one GET /api/batches (to show the list, or say why it cannot be
 * read); once the reconnections run out the page says so and offers a Reload button, which
 * reads the list once and tries the stream again (those rules: snapshot-stream.js, shared
 * with the queue page). Each batch's row is made once and
 * updated in place (keyed by batch id), so a focused link keeps its focus. */
(function () {
  "use strict";

  var PL = window.PL;
  var BS = window.BatchState;
  var t = PL.t;

  function $(id) {
    return document.getElementById(id);
  }

  var LIST_STREAM = "/api/batches/stream";

  var ui = {
    pickFiles: $("pick-files"),
    pickFolder: $("pick-folder"),
    project: $("project-input"),
    fileInput: $("file-input"),
    folderInput: $("folder-input"),
    overlay: $("drop-overlay"),
    status: $("upload-status"),
    text: $("upload-text"),
    cancel: $("upload-cancel"),
    bar: $("upload-progress"),
    fill: $("upload-fill"),
    bytes: $("upload-bytes"),
    error: $("upload-error"),
    errorText: $("upload-error-text"),
    errorList: $("upload-error-list"),
    list: $("batch-list"),
    listStatus: $("list-status"),
    conn: $("list-conn"),
    connText: $("list-conn-text"),
    reload: $("list-reload")
  };

  var xhr = null; // the upload in flight

  // ---- the live list ---------------------------------------------------------------------

  var listShown = false; // the list (or "no batch yet") is on the page
  var items = new Map(); // batch id → {li, link, key}

  function setConn(name) {
    ui.conn.setAttribute("data-state", name);
    PL.setText(ui.connText, t("list.conn." + name));
    ui.reload.hidden = name !== "offline";
  }

  var stream = window.SnapshotStream.follow({
    url: LIST_STREAM,
    event: "batches",
    readUrl: "/api/batches",
    onSnapshot: function (body) {
      if (body) renderList(Array.isArray(body) ? body : body.batches || []);
    },
    onReadStart: function () {
      if (listShown) return;
      PL.setText(ui.listStatus, t("list.loading"));
      ui.listStatus.hidden = false;
    },
    onReadError: showListError,
    onState: setConn
  });

  function showListError(message) {
    if (listShown) return; // the list already shown stays; the indicator says it is not live
    ui.listStatus.hidden = false;
    PL.setText(ui.listStatus, t("list.error", { message: message }));
  }

  /** After an upload that did not open a batch page: the stream brings the list; read it
   * only when the stream is not there to do so. */
  function refreshList() {
    if (stream.state() !== "live") stream.readOnce();
  }

  function renderList(batches) {
    listShown = true;
    var seen = new Set();
    var previous = null;
    batches.forEach(function (batch) {
      if (!batch || batch.batchId === undefined || batch.batchId === null) return;
      var id = String(batch.batchId);
      if (seen.has(id)) return;
      seen.add(id);
      var rec = items.get(id);
      if (!rec) {
        rec = createItem(id);
        items.set(id, rec);
      }
      updateItem(rec, batch);
      // in the server's order (most recent first), moving only the rows that are out of place
      var wanted = previous ? previous.nextSibling : ui.list.firstChild;
      if (rec.li !== wanted) ui.list.insertBefore(rec.li, wanted);
      previous = rec.li;
    });
    items.forEach(function (rec, id) {
      if (!seen.has(id)) {
        rec.li.remove(); // deleted
        items.delete(id);
      }
    });
    ui.listStatus.hidden = seen.size > 0;
    PL.setText(ui.listStatus, seen.size ? "" : t("list.empty"));
  }

  function createItem(id) {
    var li = PL.el("li", "batch-item");
    li.setAttribute("data-batch-id", id);
    var link = PL.el("a", "batch-link");
    link.href = "/batches/" + encodeURIComponent(id);
    li.appendChild(link);
    return { li: li, link: link, key: "" };
  }

  function updateItem(rec, batch) {
    var key = JSON.stringify(batch);
    if (key === rec.key) return;
    rec.key = key;
    var counts = batch.counts || {};
    var status = batch.status || "QUEUED";
    var progress = Math.max(0, Math.min(100, Number(batch.progress) || 0));
    var name = typeof batch.name === "string" && batch.name.trim() ? batch.name : "";
    var link = rec.link;
    var label = name ? name + " (" + t("list.batch", { id: batch.batchId }) + ")" : t("list.open", { id: batch.batchId });
    link.setAttribute("aria-label", label + " — " + PL.statusLabel(status) + ", " + PL.percent(progress));
    link.textContent = "";

    var title = PL.el("span", "batch-title");
    if (name) {
      title.appendChild(PL.el("span", "batch-name", name));
      title.appendChild(PL.el("span", "batch-number muted", " · " + t("list.batch", { id: batch.batchId })));
    } else {
      title.appendChild(PL.el("span", "batch-number", t("list.batch", { id: batch.batchId })));
    }
    if (batch.project) title.appendChild(PL.el("span", "batch-project muted", " · " + PL.projectName(batch.project)));
    title.title = title.textContent;
    link.appendChild(title);

    var barWrap = PL.el("span", "batch-bar");
    var bar = PL.el("span", "progress");
    bar.setAttribute("data-status", status);
    bar.setAttribute("aria-hidden", "true");
    var fill = PL.el("span", "progress-fill");
    fill.style.width = progress + "%"; // CSSOM: allowed by the CSP, unlike style=""
    bar.appendChild(fill);
    barWrap.appendChild(bar);
    barWrap.appendChild(PL.el("span", "batch-percent", PL.percent(progress)));
    link.appendChild(barWrap);

    var meta = [PL.dateTime(batch.createdAt), t("n.photos", { n: counts.total || 0 })];
    if (counts.completed) meta.push(t("n.done", { n: counts.completed }));
    if (counts.failed) meta.push(t("n.failed", { n: counts.failed }));
    if (counts.cancelled) meta.push(t("n.cancelled", { n: counts.cancelled }));
    var pending = (counts.queued || 0) + (counts.processing || 0);
    if (pending) meta.push(t("n.pending", { n: pending }));
    link.appendChild(PL.el("span", "batch-meta", meta.filter(Boolean).join(" · ")));
    var badge = PL.el("span", "badge", PL.statusLabel(status));
    badge.setAttribute("data-status", status);
    link.appendChild(badge);
  }

  // ---- upload ----------------------------------------------------------------------------

  /** entries: [{file, name}] where name may carry the folder path ("Salon/IMG_1.jpg"). */
  function upload(entries) {
    hideError();
    if (!entries.length) {
      showError(t("upload.empty"), []);
      return;
    }
    if (xhr) {
      var previous = xhr;
      xhr = null;
      previous.abort();
    }
    var form = new FormData();
    var total = 0;
    entries.forEach(function (entry) {
      form.append("files", entry.file, entry.name || entry.file.name);
      total += entry.file.size;
    });
    var project = ui.project.value.trim();
    if (project) form.append("project", project);
    var count = entries.length;
    var request = new XMLHttpRequest();
    xhr = request;
    request.open("POST", "/api/batches");
    request.responseType = "text";
    request.setRequestHeader("Accept", "application/json");
    showProgress(count, 0, total);
    request.upload.addEventListener("progress", function (e) {
      if (xhr === request) showProgress(count, e.loaded, e.lengthComputable ? e.total : total);
    });
    request.upload.addEventListener("load", function () {
      if (xhr !== request) return;
      setBar(100);
      PL.setText(ui.text, t("upload.processing"));
    });
    request.addEventListener("load", function () {
      if (xhr !== request) return;
      xhr = null;
      handleResponse(request);
    });
    request.addEventListener("error", function () {
      if (xhr !== request) return;
      xhr = null;
      ui.status.hidden = true;
      showError(t("upload.network"), []);
      refreshList();
    });
    request.addEventListener("abort", function () {
      if (xhr !== request) return;
      xhr = null;
      ui.status.hidden = true;
      showError(t("upload.cancelled"), [], true);
    });
    request.send(form);
  }

  function handleResponse(request) {
    var body = null;
    try {
      body = JSON.parse(request.responseText);
    } catch (err) {
      body = null;
    }
    var status = request.status;
    var error = (body && body.error) || {};
    if ((status === 201 || status === 200) && body && body.batchId !== undefined) {
      PL.setText(ui.text, t("upload.done", { id: body.batchId, n: body.photosCount }));
      window.location.assign("/batches/" + encodeURIComponent(body.batchId));
      return;
    }
    ui.status.hidden = true;
    if (status === 413) {
      showError(t("upload.tooLarge"), [], false, error.message);
    } else if (status === 422) {
      var skipped = (body && body.skipped) || error.skipped || [];
      showError(t("upload.nothing"), skipped.map(skippedLine));
    } else if (status === 429) {
      var wait = parseInt(request.getResponseHeader("Retry-After") || "", 10);
      showError(t("upload.busy", { s: isFinite(wait) ? wait : 5 }), []);
    } else {
      showError(
        t("upload.failed", { status: status, message: error.message || request.statusText || "?" }),
        []
      );
    }
    refreshList();
  }

  function skippedLine(entry) {
    var reason = PL.skipReason(entry && entry.reason);
    var name = String((entry && entry.name) || "").split(/[\\/]/).pop();
    return name + " — " + reason.label + (reason.detail && PL.lang === "en" ? " (" + reason.detail + ")" : "");
  }

  function showProgress(count, loaded, total) {
    var pct = total ? Math.floor((100 * loaded) / total) : 0;
    ui.status.hidden = false;
    setBar(pct);
    PL.setText(ui.text, t("upload.sending", { n: count, percent: PL.percent(pct) }));
    PL.setText(ui.bytes, t("upload.bytes", { sent: PL.bytes(loaded), total: PL.bytes(total) }));
  }

  function setBar(pct) {
    ui.bar.setAttribute("aria-valuenow", String(pct));
    ui.fill.style.width = pct + "%";
  }

  function showError(message, lines, isInfo, detail) {
    ui.error.hidden = false;
    ui.error.classList.toggle("is-info", !!isInfo);
    var text = message;
    if (detail && detail !== message) text += " " + detail; // the server's specifics (file, limit)
    PL.setText(ui.errorText, text);
    ui.errorList.textContent = "";
    lines.slice(0, 50).forEach(function (line) {
      ui.errorList.appendChild(PL.el("li", null, line));
    });
    if (lines.length > 50) ui.errorList.appendChild(PL.el("li", null, "… +" + (lines.length - 50)));
    ui.errorList.hidden = lines.length === 0;
  }

  function hideError() {
    ui.error.hidden = true;
  }

  // ---- choosing and dropping files --------------------------------------------------------

  function fromInput(input) {
    var entries = [];
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      entries.push({ file: file, name: file.webkitRelativePath || file.name });
    }
    input.value = "";
    return entries;
  }

  function hasFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  var dragDepth = 0;

  function onDragEnter(e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth += 1;
    ui.overlay.hidden = false;
  }

  function onDragOver(e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }

  function onDragLeave(e) {
    if (!hasFiles(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) ui.overlay.hidden = true;
  }

  function onDrop(e) {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth = 0;
    ui.overlay.hidden = true;
    var items = e.dataTransfer.items;
    var roots = [];
    var hasFolder = false;
    // entries must be taken synchronously, before the event returns
    if (items && items.length && typeof items[0].webkitGetAsEntry === "function") {
      for (var i = 0; i < items.length; i++) {
        var entry = items[i].kind === "file" ? items[i].webkitGetAsEntry() : null;
        if (entry) {
          roots.push(entry);
          if (entry.isDirectory) hasFolder = true;
        }
      }
    }
    if (!hasFolder) {
      var files = [];
      for (var j = 0; j < e.dataTransfer.files.length; j++) {
        files.push({ file: e.dataTransfer.files[j], name: e.dataTransfer.files[j].name });
      }
      upload(files);
      return;
    }
    hideError();
    ui.status.hidden = false;
    PL.setText(ui.text, t("upload.readFolder"));
    PL.setText(ui.bytes, "");
    setBar(0);
    Promise.all(roots.map(walkEntry))
      .then(function (lists) {
        upload([].concat.apply([], lists));
      })
      .catch(function (err) {
        ui.status.hidden = true;
        showError(t("upload.failed", { status: "-", message: err && err.message }), []);
      });
  }

  /** A dropped file or folder → [{file, name}], the name keeping the folder path. */
  function walkEntry(entry) {
    var name = String(entry.fullPath || entry.name).replace(/^\/+/, "");
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(
          function (file) {
            resolve([{ file: file, name: name }]);
          },
          function () {
            resolve([]);
          }
        );
      });
    }
    if (!entry.isDirectory) return Promise.resolve([]);
    var reader = entry.createReader();
    var children = [];
    return new Promise(function (resolve) {
      (function readMore() {
        // readEntries returns at most ~100 entries per call: read until it returns none
        reader.readEntries(
          function (batch) {
            if (!batch.length) {
              Promise.all(children.map(walkEntry)).then(function (lists) {
                resolve([].concat.apply([], lists));
              });
              return;
            }
            children.push.apply(children, batch);
            readMore();
          },
          function () {
            resolve([]);
          }
        );
      })();
    });
  }

  // ---- start -----------------------------------------------------------------------------

  function start() {
    PL.applyI18n(document);
    ui.pickFiles.addEventListener("click", function () {
      ui.fileInput.click();
    });
    ui.pickFolder.addEventListener("click", function () {
      ui.folderInput.click();
    });
    ui.fileInput.addEventListener("change", function () {
      if (ui.fileInput.files.length) upload(fromInput(ui.fileInput));
    });
    ui.folderInput.addEventListener("change", function () {
      if (ui.folderInput.files.length) upload(fromInput(ui.folderInput));
    });
    ui.cancel.addEventListener("click", function () {
      if (xhr) xhr.abort();
    });
    ui.reload.addEventListener("click", stream.reload);
    window.addEventListener("dragenter", onDragEnter);
    window.addEventListener("dragover", onDragOver);
    window.addEventListener("dragleave", onDragLeave);
    window.addEventListener("drop", onDrop);
    window.addEventListener("pageshow", function (e) {
      // back from a batch page (bfcache): the stream was closed meanwhile, open it again
      if (e.persisted && !stream.open()) stream.reload();
    });
    window.addEventListener("pagehide", function (e) {
      if (e.persisted) stream.close(); // kept in the bfcache: no stream open behind the scenes
    });
    window.addEventListener("online", function () {
      var state = stream.state();
      if (state === "reconnecting" || state === "offline") stream.reload();
    });
    stream.connect();
  }

  start();
})();
