/* The batch page: follow one batch over Server-Sent Events and draw it.
 *
 * state  = the first event's snapshot, then every delta merged by photo id (sse-state.js)
 * stream = one EventSource; on `complete` it is closed for good; on `timeout` it is
 *          replaced at once; on a lost connection, or the server's `error` event with a
 *          code that is not fatal, the page closes it and reconnects itself (1 s → 30 s
 *          with jitter, 5 attempts), passing the last id as ?lastEventId=.
 * render = once per animation frame, only what changed: one <li> per photo, made once
 *          and updated in place through a Map keyed by photo id.
 * After connecting, the page requests nothing but the stream and the thumbnails.
 */
(function () {
  "use strict";

  var PL = window.PL;
  var BS = window.BatchState;
  var t = PL.t;
  var setText = PL.setText;

  function $(id) {
    return document.getElementById(id);
  }

  var STALL_MS = 45000; // three missed 15 s pings: the connection is dead even if it looks open
  // Named `error` codes that reconnecting cannot fix (as FATAL_STREAM_ERRORS in ui/sse_client.py)
  var FATAL_STREAM_ERRORS = {
    batch_not_found: true,
    not_found: true,
    unauthorized: true,
    forbidden: true
  };
  var DEBUG_ROWS = 300;

  var match = /^\/batches\/([^/]+)\/?$/.exec(window.location.pathname);
  var batchId = match ? decodeURIComponent(match[1]) : null;
  var debug = new URLSearchParams(window.location.search).get("debug") === "1";
  var state = BS.create(batchId);

  var ui = {
    batchId: $("batch-id"),
    meta: $("batch-meta"),
    badge: $("status-badge"),
    percent: $("percent"),
    doneTotal: $("done-total"),
    bar: $("progressbar"),
    fill: $("progress-fill"),
    counts: {
      queued: $("count-queued"),
      processing: $("count-processing"),
      completed: $("count-completed"),
      failed: $("count-failed")
    },
    conn: $("conn"),
    connText: $("conn-text"),
    connRetry: $("conn-retry"),
    retryFailed: $("retry-failed"),
    exportCsv: $("export-csv"),
    actionMessage: $("action-message"),
    announcer: $("announcer"),
    intake: $("intake"),
    notices: $("notices"),
    noticeList: $("notice-list"),
    skipped: $("skipped"),
    skippedSummary: $("skipped-summary"),
    skippedList: $("skipped-list"),
    summary: $("summary"),
    summaryItems: $("summary-items"),
    summaryVolume: $("summary-volume"),
    summaryRooms: $("summary-rooms"),
    roomsBody: $("rooms-body"),
    summaryAnalyzer: $("summary-analyzer"),
    list: $("photo-list"),
    photosCount: $("photos-count"),
    photosEmpty: $("photos-empty"),
    filters: $("filters"),
    debug: $("debug"),
    debugBody: $("debug-body"),
    debugTotals: $("debug-totals")
  };

  // ---- connection state ------------------------------------------------------------------

  var source = null;
  var attempts = 0; // failed attempts in a row; reset by any received event
  var reconnectTimer = 0;
  var stallTimer = 0;
  var finished = false;
  var lastEventId = "";
  var reconnects = 0;
  var serverError = ""; // the message of the server's last non-fatal `error` event
  var conn = { state: "connecting", attempt: 0, updatedAt: null, message: "" };

  // ---- rendering state -------------------------------------------------------------------

  var dirty = { head: true, meta: true, summary: true, conn: true, full: false, rows: new Set() };
  var frame = 0;
  var rows = new Map(); // photo id → {li, parts…, key}
  var rowPrototype = buildRowPrototype();
  var debugLog = { pending: [], count: 0, bytes: 0, previousId: "" };
  var retryBusy = false;

  function schedule() {
    if (!frame) frame = window.requestAnimationFrame(render);
  }

  // ---- the stream ------------------------------------------------------------------------

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    closeStream();
    finished = false;
    if (conn.state !== "reconnecting") setConn("connecting");
    var es = new EventSource(BS.streamUrl(batchId, lastEventId));
    source = es;
    es.addEventListener("open", function () {
      if (es !== source) return;
      armStallTimer();
      logDebug("(open)", null);
      markLive(); // a resumed stream may stay quiet until the next ping: it is live already
    });
    es.addEventListener("progress", function (e) {
      if (es === source) onProgress(e);
    });
    es.addEventListener("complete", function (e) {
      if (es === source) onComplete(e);
    });
    es.addEventListener("ping", function (e) {
      if (es === source) onEvent("ping", e);
    });
    es.addEventListener("timeout", function (e) {
      if (es !== source) return;
      onEvent("timeout", e);
      closeStream(); // the server closes after `timeout`: come back at once with our id
      attempts = 0;
      connect();
    });
    // Both the server's named `error` event (a MessageEvent with data) and a lost
    // connection (a plain Event) arrive here.
    es.addEventListener("error", function (e) {
      if (es !== source) return;
      if (typeof e.data === "string") {
        // The server ends the stream after it. A fatal code (the batch is gone, access
        // refused) will not get better; anything else (server_error…) is retried with the
        // usual backoff and limit, from the last id, like the window does.
        if (e.lastEventId) lastEventId = e.lastEventId;
        logDebug("error", e);
        var info = parse(e.data) || {};
        var message = info.message || info.code || t("conn.error");
        closeStream();
        if (FATAL_STREAM_ERRORS[info.code] === true) {
          fail(message);
          return;
        }
        serverError = message; // shown if the reconnections run out
        scheduleReconnect(); // no attempts reset: a stream that always fails gives up
        return;
      }
      logDebug("(connection lost)", null);
      closeStream(); // no automatic EventSource reconnect: ours has backoff and a limit
      if (finished) return;
      if (!state.hasSnapshot && attempts === 0) probe();
      else scheduleReconnect();
    });
    armStallTimer();
  }

  /**
   * The very first connection failed: EventSource cannot tell why, so ask once. A batch
   * that does not exist (404) or a missing access cookie (401) will not get better by
   * reconnecting; anything else (a server restarting…) goes on to the normal backoff.
   */
  function probe() {
    attempts = 1;
    conn.attempt = 1;
    setConn("reconnecting");
    fetch("/api/batches/" + encodeURIComponent(batchId), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (res) {
        if (res.status !== 404 && res.status !== 401 && res.status !== 403) return null;
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return (body && body.error && body.error.message) || "HTTP " + res.status;
          });
      })
      .catch(function () {
        return null;
      })
      .then(function (fatal) {
        if (source || conn.state === "error") return; // the person pressed Retry meanwhile
        if (fatal) {
          fail(fatal);
          return;
        }
        attempts = 0;
        scheduleReconnect();
      });
  }

  function closeStream() {
    window.clearTimeout(stallTimer);
    stallTimer = 0;
    if (source) {
      source.close();
      source = null;
    }
  }

  function scheduleReconnect() {
    attempts += 1;
    if (attempts > BS.MAX_RECONNECTS) {
      fail(serverError || t("conn.error"));
      return;
    }
    reconnects += 1;
    conn.attempt = attempts;
    setConn("reconnecting");
    var delay = BS.backoffDelay(attempts);
    logDebug("(reconnect in " + (delay / 1000).toFixed(1) + " s)", null);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function armStallTimer() {
    window.clearTimeout(stallTimer);
    stallTimer = window.setTimeout(function () {
      if (!source || finished) return;
      logDebug("(stalled)", null);
      closeStream();
      scheduleReconnect();
    }, STALL_MS);
  }

  function fail(message) {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    conn.message = message;
    setConn("error");
    announce(t("announce.connError") + " " + message);
  }

  /** Any event: the connection works. */
  function onEvent(type, e) {
    attempts = 0;
    serverError = "";
    conn.attempt = 0;
    if (e.lastEventId) lastEventId = e.lastEventId;
    armStallTimer();
    logDebug(type, e);
    markLive();
  }

  function markLive() {
    conn.updatedAt = new Date();
    if (conn.state !== "live" && !finished) {
      if (conn.state === "reconnecting") announce(t("announce.live"));
      setConn("live");
    } else {
      dirty.conn = true;
      schedule();
    }
  }

  function onProgress(e) {
    onEvent("progress", e);
    var payload = parse(e.data);
    if (payload) merge(payload);
  }

  function onComplete(e) {
    var payload = parse(e.data);
    if (payload) merge(payload);
    finished = true;
    onEvent("complete", e);
    closeStream(); // the batch is final: never reconnect
    setConn("finished");
  }

  function parse(data) {
    try {
      return JSON.parse(data);
    } catch (err) {
      logDebug("(unreadable event data)", null);
      return null;
    }
  }

  function merge(payload) {
    var change = BS.apply(state, payload);
    if (change.full) {
      dirty.full = true;
      change.removed.forEach(removeRow);
    }
    for (var i = 0; i < change.changed.length; i++) dirty.rows.add(change.changed[i]);
    dirty.head = true;
    if (change.metaChanged) dirty.meta = true;
    if (change.summaryChanged || change.statusChanged) dirty.summary = true;
    if (change.statusChanged) {
      if (BS.isFinal(state.status)) {
        announce(
          t("announce.final", {
            status: PL.statusLabel(state.status),
            completed: state.counts.completed,
            failed: state.counts.failed
          })
        );
      } else {
        announce(t("announce.status", { status: PL.statusLabel(state.status) }));
      }
    }
    schedule();
  }

  function setConn(name) {
    conn.state = name;
    dirty.conn = true;
    schedule();
  }

  function announce(text) {
    // Only status changes and connection trouble: not every event.
    ui.announcer.textContent = "";
    window.setTimeout(function () {
      ui.announcer.textContent = text;
    }, 50);
  }

  // ---- actions ---------------------------------------------------------------------------

  function retryFailed() {
    if (retryBusy) return;
    retryBusy = true;
    ui.retryFailed.disabled = true;
    setText(ui.retryFailed, t("action.retrying"));
    showActionMessage("", false);
    PL.fetchJson("/api/batches/" + encodeURIComponent(batchId) + "/retry-failed", {
      method: "POST"
    })
      .then(function (body) {
        showActionMessage(t("action.retryFailedDone", { n: body.requeued || 0 }), false);
        attempts = 0;
        connect(); // a finished batch's stream is closed: follow the retried photos
      })
      .catch(function (err) {
        showActionMessage(t("action.retryFailedError", { message: err.message }), true);
      })
      .then(function () {
        retryBusy = false;
        ui.retryFailed.disabled = false;
        setText(ui.retryFailed, t("action.retryFailed"));
        dirty.head = true;
        schedule();
      });
  }

  function showActionMessage(text, isError) {
    ui.actionMessage.hidden = !text;
    ui.actionMessage.classList.toggle("is-error", !!isError);
    setText(ui.actionMessage, text);
  }

  function setFilter(filter) {
    ui.list.setAttribute("data-filter", filter);
    var buttons = ui.filters.querySelectorAll("button[data-filter]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-filter") === filter));
    }
    dirty.head = true;
    schedule();
  }

  // ---- rendering -------------------------------------------------------------------------

  function render() {
    frame = 0;
    if (dirty.head) renderHead();
    if (dirty.meta) renderMeta();
    if (dirty.full || dirty.rows.size) renderRows();
    if (dirty.summary) renderSummary();
    if (dirty.conn) renderConn();
    if (debugLog.pending.length) renderDebug();
  }

  function renderHead() {
    dirty.head = false;
    var status = state.status || "UNKNOWN";
    var counts = state.counts;
    var done = BS.processed(state);
    var percentText = PL.percent(state.progress);
    setText(ui.batchId, "#" + batchId);
    ui.badge.setAttribute("data-status", status);
    setText(ui.badge, PL.statusLabel(status));
    setText(ui.percent, percentText);
    setText(ui.doneTotal, t("batch.photosDone", { done: PL.number(done), total: PL.number(counts.total) }));
    ui.bar.setAttribute("data-status", status);
    ui.bar.setAttribute("aria-valuenow", String(state.progress));
    ui.bar.setAttribute(
      "aria-valuetext",
      t("batch.progressText", { percent: percentText, done: done, total: counts.total })
    );
    ui.fill.style.width = state.progress + "%"; // CSSOM: allowed by the CSP, unlike style=""
    setText(ui.counts.queued, PL.number(counts.queued));
    setText(ui.counts.processing, PL.number(counts.processing));
    setText(ui.counts.completed, PL.number(counts.completed));
    setText(ui.counts.failed, PL.number(counts.failed));
    ui.retryFailed.hidden = !(counts.failed > 0 || retryBusy);
    document.title = percentText + " · " + t("batch.docTitle", { id: batchId }) + " — PhotoLot";

    var perFilter = {
      all: counts.total,
      ERROR: counts.failed,
      PROCESSING: counts.processing,
      PENDING: counts.queued,
      DONE: counts.completed
    };
    var chips = ui.filters.querySelectorAll("[data-count]");
    for (var i = 0; i < chips.length; i++) setText(chips[i], PL.number(perFilter[chips[i].getAttribute("data-count")]));
    setText(ui.photosCount, "(" + PL.number(counts.total) + ")");
    var filter = ui.list.getAttribute("data-filter");
    var empty = "";
    if (state.hasSnapshot && counts.total === 0) empty = t("photos.empty");
    else if (state.hasSnapshot && perFilter[filter] === 0) empty = t("photos.none");
    ui.photosEmpty.hidden = !empty;
    setText(ui.photosEmpty, empty);
  }

  function renderMeta() {
    dirty.meta = false;
    var parts = [];
    if (state.project) parts.push(t("batch.project", { name: state.project }));
    if (state.createdAt) parts.push(t("batch.created", { date: PL.dateTime(state.createdAt) }));
    setText(ui.meta, parts.join(" · "));

    var notices = Array.isArray(state.notices) ? state.notices : [];
    var skipped = Array.isArray(state.skipped) ? state.skipped : [];
    ui.noticeList.textContent = "";
    notices.forEach(function (notice) {
      ui.noticeList.appendChild(PL.el("li", null, PL.notice(notice)));
    });
    ui.notices.hidden = notices.length === 0;

    ui.skippedList.textContent = "";
    skipped.forEach(function (entry) {
      var reason = PL.skipReason(entry && entry.reason);
      var li = PL.el("li", "skipped-item");
      li.appendChild(PL.el("span", "skipped-name", baseName(entry && entry.name)));
      li.lastChild.title = (entry && entry.name) || "";
      var why = PL.el("span", "skipped-reason");
      why.appendChild(PL.el("span", "tag", reason.label));
      if (reason.detail) why.appendChild(PL.el("span", "muted small", reason.detail));
      li.appendChild(why);
      ui.skippedList.appendChild(li);
    });
    setText(ui.skippedSummary, t("intake.skipped", { n: skipped.length }));
    ui.skipped.hidden = skipped.length === 0;
    ui.intake.hidden = notices.length === 0 && skipped.length === 0;
  }

  function renderSummary() {
    dirty.summary = false;
    var summary = state.inventorySummary;
    var show = BS.isFinal(state.status) && !!summary;
    ui.summary.hidden = !show;
    if (!show) return;
    var rooms = Array.isArray(summary.rooms) ? summary.rooms : [];
    setText(ui.summaryItems, PL.number(summary.totalItems));
    setText(ui.summaryVolume, PL.volume(summary.totalVolume));
    setText(ui.summaryRooms, PL.number(rooms.length));
    ui.roomsBody.textContent = "";
    rooms.forEach(function (room) {
      var tr = document.createElement("tr");
      var name = PL.el("th", null, PL.roomLabel(room.roomType));
      name.scope = "row";
      tr.appendChild(name);
      tr.appendChild(PL.el("td", "num", PL.number(room.photos)));
      tr.appendChild(PL.el("td", "num", PL.number(room.itemsCount)));
      tr.appendChild(PL.el("td", "num", PL.volume(room.volume_m3).replace(" m³", "")));
      ui.roomsBody.appendChild(tr);
    });
    setText(ui.summaryAnalyzer, summary.analyzer ? t("summary.analyzer", { name: summary.analyzer }) : "");
  }

  function renderConn() {
    dirty.conn = false;
    var name = conn.state;
    var time = PL.clock(conn.updatedAt || new Date());
    var text;
    if (name === "live") text = t("conn.live", { time: time });
    else if (name === "finished") text = t("conn.finished", { time: time });
    else if (name === "reconnecting") text = t("conn.reconnecting", { n: conn.attempt, max: BS.MAX_RECONNECTS });
    else if (name === "error") text = conn.message || t("conn.error");
    else text = t("conn.connecting");
    ui.conn.setAttribute("data-state", name);
    setText(ui.connText, text);
    ui.connRetry.hidden = name !== "error" || !batchId;
  }

  // -- photo rows

  function buildRowPrototype() {
    var li = PL.el("li", "photo");
    var icon = PL.el("span", "status-icon");
    icon.setAttribute("aria-hidden", "true");
    li.appendChild(icon);
    var thumb = PL.el("span", "thumb");
    var img = document.createElement("img");
    img.alt = "";
    img.width = 56;
    img.height = 56;
    img.loading = "lazy";
    img.decoding = "async";
    thumb.appendChild(img);
    li.appendChild(thumb);
    var main = PL.el("div", "photo-main");
    main.appendChild(PL.el("div", "photo-name"));
    main.appendChild(PL.el("div", "photo-sub"));
    main.appendChild(PL.el("p", "photo-error"));
    li.appendChild(main);
    li.appendChild(PL.el("span", "room"));
    li.appendChild(PL.el("span", "photo-state"));
    return li;
  }

  function createRow(id) {
    var li = rowPrototype.cloneNode(true);
    li.setAttribute("data-id", String(id));
    var main = li.children[2];
    var rec = {
      li: li,
      img: li.children[1].firstChild,
      name: main.children[0],
      sub: main.children[1],
      error: main.children[2],
      room: li.children[3],
      state: li.children[4],
      key: ""
    };
    rows.set(id, rec);
    return rec;
  }

  function removeRow(id) {
    var rec = rows.get(id);
    if (rec) {
      rec.li.remove();
      rows.delete(id);
    }
  }

  function renderRows() {
    var fragment = null;
    if (dirty.full) {
      // A snapshot: make missing rows, then put every row in the snapshot's order.
      dirty.full = false;
      fragment = document.createDocumentFragment();
      for (var i = 0; i < state.order.length; i++) {
        var id = state.order[i];
        var rec = rows.get(id) || createRow(id);
        updateRow(rec, state.photos.get(id));
        fragment.appendChild(rec.li);
      }
      ui.list.appendChild(fragment);
      dirty.rows.clear();
      return;
    }
    dirty.rows.forEach(function (photoId) {
      var photo = state.photos.get(photoId);
      if (!photo) return;
      var existing = rows.get(photoId);
      if (!existing) {
        existing = createRow(photoId);
        fragment = fragment || document.createDocumentFragment();
        fragment.appendChild(existing.li);
      }
      updateRow(existing, photo);
    });
    dirty.rows.clear();
    if (fragment) ui.list.appendChild(fragment);
  }

  function updateRow(rec, photo) {
    var key = JSON.stringify(photo);
    if (key === rec.key) return;
    rec.key = key;
    var status = photo.status || "PENDING";
    var retrying = status === "PENDING" && !!(photo.errorMessage || photo.errorCode);
    var li = rec.li;
    li.setAttribute("data-status", status);
    li.classList.toggle("is-retrying", retrying);

    setText(rec.name, photo.fileName || "#" + photo.id);
    rec.name.title = photo.fileName || "";

    var thumbUrl = status === "DONE" && photo.thumbnailUrl ? photo.thumbnailUrl : "";
    if (thumbUrl) {
      if (rec.img.getAttribute("src") !== thumbUrl) {
        rec.img.classList.remove("is-broken");
        rec.img.src = thumbUrl;
      }
    } else if (rec.img.hasAttribute("src")) {
      rec.img.removeAttribute("src");
    }

    // details line: size, items, attempts, then the quality flags as small tags
    rec.sub.textContent = "";
    var details = [];
    if (photo.width && photo.height) details.push(PL.number(photo.width) + " × " + PL.number(photo.height));
    if (photo.itemsCount) details.push(t("photo.items", { n: photo.itemsCount }));
    if (photo.attempts > 1) details.push(t("photo.attempts", { n: photo.attempts }));
    if (details.length) rec.sub.appendChild(PL.el("span", "photo-details", details.join(" · ")));
    var flags = Array.isArray(photo.flags) ? photo.flags : [];
    flags.forEach(function (flag) {
      var tag = PL.el("span", "tag tag-flag", PL.flagLabel(flag));
      tag.setAttribute("data-flag", flag);
      if (flag === "near_duplicate" && photo.duplicateOf) {
        var other = state.photos.get(photo.duplicateOf);
        tag.title = t("photo.duplicateOf", { name: other ? other.fileName : "#" + photo.duplicateOf });
      }
      rec.sub.appendChild(tag);
    });
    rec.sub.hidden = !rec.sub.firstChild;

    var error = status === "ERROR" || retrying ? PL.photoError(photo.errorCode, photo.errorMessage) : "";
    setText(rec.error, error);
    rec.error.hidden = !error;
    if (photo.errorCode) rec.error.setAttribute("data-code", photo.errorCode);
    else rec.error.removeAttribute("data-code");

    var knowsRoom = status === "DONE" || !!photo.roomType;
    setText(rec.room, knowsRoom ? PL.roomLabel(photo.roomType) : "");
    rec.room.hidden = !knowsRoom;
    rec.room.classList.toggle("is-unknown", !photo.roomType);
    if (photo.roomType) rec.room.setAttribute("data-room", photo.roomType);

    setText(rec.state, t(retrying ? "photo.RETRYING" : "photo." + status));
  }

  // -- debug panel (?debug=1)

  function logDebug(type, e) {
    if (!debug) return;
    var size = e && typeof e.data === "string" ? new Blob([e.data]).size : 0;
    var id = e && e.lastEventId && e.lastEventId !== debugLog.previousId ? e.lastEventId : "";
    if (id) debugLog.previousId = id;
    if (e) {
      debugLog.count += 1;
      debugLog.bytes += size;
    }
    debugLog.pending.push({ n: e ? debugLog.count : "", type: type, id: id, time: new Date(), size: e ? size : null });
    schedule();
  }

  function renderDebug() {
    var fragment = document.createDocumentFragment();
    for (var i = debugLog.pending.length - 1; i >= 0; i--) {
      var entry = debugLog.pending[i];
      var tr = document.createElement("tr");
      if (entry.type.charAt(0) === "(") tr.className = "debug-note";
      tr.appendChild(PL.el("td", "num", entry.n));
      tr.appendChild(PL.el("td", null, entry.type));
      tr.appendChild(PL.el("td", "mono", entry.id || "—"));
      var ms = String(entry.time.getMilliseconds()).padStart(3, "0");
      tr.appendChild(PL.el("td", "mono", PL.clock(entry.time) + "." + ms));
      tr.appendChild(PL.el("td", "num", entry.size === null ? "" : PL.bytes(entry.size)));
      fragment.appendChild(tr);
    }
    debugLog.pending = [];
    ui.debugBody.insertBefore(fragment, ui.debugBody.firstChild);
    while (ui.debugBody.children.length > DEBUG_ROWS) ui.debugBody.lastChild.remove();
    setText(
      ui.debugTotals,
      t("debug.totals", {
        n: debugLog.count,
        bytes: PL.bytes(debugLog.bytes),
        id: lastEventId || "—",
        reconnects: reconnects
      })
    );
  }

  function baseName(path) {
    var text = String(path || "");
    var parts = text.split(/[\\/]/);
    return parts[parts.length - 1] || text;
  }

  // ---- start -----------------------------------------------------------------------------

  function start() {
    PL.applyI18n(document);
    ui.debug.hidden = !debug;
    ui.connRetry.addEventListener("click", function () {
      attempts = 0;
      serverError = "";
      conn.message = "";
      connect();
    });
    ui.retryFailed.addEventListener("click", retryFailed);
    ui.filters.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-filter]");
      if (button) setFilter(button.getAttribute("data-filter"));
    });
    // a thumbnail that cannot load is hidden, leaving the placeholder (error does not bubble)
    ui.list.addEventListener(
      "error",
      function (e) {
        if (e.target.tagName === "IMG") e.target.classList.add("is-broken");
      },
      true
    );
    // a file dropped here by mistake must not replace the page (uploads are on the list page)
    ["dragover", "drop"].forEach(function (type) {
      window.addEventListener(type, function (e) {
        var types = e.dataTransfer && e.dataTransfer.types;
        if (types && Array.prototype.indexOf.call(types, "Files") !== -1) {
          e.preventDefault();
          e.dataTransfer.dropEffect = "none";
        }
      });
    });
    window.addEventListener("online", function () {
      if (conn.state === "reconnecting" || conn.state === "error") {
        attempts = 0;
        connect();
      }
    });

    if (!batchId) {
      conn.message = t("batch.badId");
      setConn("error");
      render();
      return;
    }
    ui.exportCsv.href = "/api/batches/" + encodeURIComponent(batchId) + "/export?format=csv";
    render();
    connect();
  }

  start();
})();
