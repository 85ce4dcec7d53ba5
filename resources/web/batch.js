/* The batch page: follow one batch over Server-Sent Events and draw it.
 *
 * state  = the first event's snapshot, then every delta merged by photo id (sse-state.js)
 * stream = one EventSource; on `complete` it is closed for good; on `timeout` it is
 *          replaced at once; on a lost connection, or the server's `error` event with a
 *          code that is not fatal, the page closes it and reconnects itself (1 s → 30 s
 *          with jitter, 5 attempts), passing the last id as ?lastEventId=.
 * render = once per animation frame, only what changed: one <li> per photo, made once
 *          and updated in place through a Map keyed by photo id.
 * inventory = the server's summary whenever the newest event that changed the inventory
 *          carried one (a final batch, or one the mover corrected: review.js); else, for an
 *          uncorrected running batch, a live view rebuilt from the photos as they arrive
 *          (inventory.js), marked provisional.
 * viewer = a modal dialog on a photo: its preview with each item's box drawn over it, and
 *          beside it the photo's items, corrected by hand there (photo-items.js).
 * After connecting, the page requests nothing but the stream and the thumbnails (and a
 * photo's preview when the person opens it).
 */
(function () {
  "use strict";

  var PL = window.PL;
  var BS = window.BatchState;
  var INV = window.Inventory;
  var REV = window.Review;
  var PI = window.PhotoItems;
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
  var LIVE_SUMMARY_MS = 250; // the provisional inventory is redrawn at most this often
  var BOX_COLOURS = 6; // .box-c0 … .box-c5 in app.css

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
      failed: $("count-failed"),
      cancelled: $("count-cancelled")
    },
    counters: $("counters"),
    counterCancelled: $("counter-cancelled"),
    pauseBatch: $("pause-batch"),
    resumeBatch: $("resume-batch"),
    cancelBatch: $("cancel-batch"),
    cancelDialog: $("cancel-dialog"),
    cancelTitle: $("cancel-title"),
    cancelText: $("cancel-text"),
    cancelBack: $("cancel-back"),
    cancelConfirm: $("cancel-confirm"),
    conn: $("conn"),
    connText: $("conn-text"),
    connRetry: $("conn-retry"),
    retryFailed: $("retry-failed"),
    exportCsv: $("export-csv"),
    exportPdf: $("export-pdf"),
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
    summaryPacked: $("summary-packed"),
    summaryRooms: $("summary-rooms"),
    summaryNote: $("summary-note"),
    roomsTable: $("rooms-table"),
    roomsTotal: $("rooms-total"),
    totalPhotos: $("total-photos"),
    totalItems: $("total-items"),
    totalVolume: $("total-volume"),
    totalPacked: $("total-packed"),
    summaryAnalyzer: $("summary-analyzer"),
    list: $("photo-list"),
    photosCount: $("photos-count"),
    photosEmpty: $("photos-empty"),
    filters: $("filters"),
    debug: $("debug"),
    debugBody: $("debug-body"),
    debugTotals: $("debug-totals"),
    viewer: $("viewer"),
    viewerTitle: $("viewer-title"),
    viewerMeta: $("viewer-meta"),
    viewerPosition: $("viewer-position"),
    viewerPrev: $("viewer-prev"),
    viewerNext: $("viewer-next"),
    viewerClose: $("viewer-close"),
    viewerStage: $("viewer-stage"),
    viewerImg: $("viewer-img"),
    viewerBoxes: $("viewer-boxes"),
    viewerStatus: $("viewer-status"),
    viewerUnboxed: $("viewer-unboxed"),
    viewerUnboxedList: $("viewer-unboxed-list")
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

  var dirty = {
    head: true,
    meta: true,
    summary: true,
    conn: true,
    full: false,
    rows: new Set(),
    viewer: false,
    review: true
  };
  var frame = 0;
  var summaryTimer = 0;
  var lastSummaryAt = 0;
  var summarySignature = "";
  var summaryFromServer = false; // the newest event that changed the inventory carried a summary
  var editWaitTimer = 0;
  var book = INV.createBook(); // item names and volumes, learned from the server's summaries
  var live = INV.createLive(); // the inventory so far, from the photos
  var collapsedRooms = new Set(); // room keys whose item lines the person folded away
  var viewer = { id: null, src: "", state: "" };
  var rows = new Map(); // photo id → {li, parts…, key}
  var rowPrototype = buildRowPrototype();
  var debugLog = { pending: [], count: 0, bytes: 0, previousId: "" };
  var retryBusy = false;
  var queueBusy = ""; // the queue action in flight: pause | resume | cancel

  function schedule() {
    if (!frame) frame = window.requestAnimationFrame(render);
  }

  // ---- the stream ------------------------------------------------------------------------

  // `quietly`: the batch is finished and the stream (kept open for corrections, ?follow=1)
  // ended; come back from the last id without showing a reconnection.
  function connect(quietly) {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    closeStream();
    if (quietly !== true) {
      finished = false;
      if (conn.state !== "reconnecting") setConn("connecting");
    }
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
      connect(finished);
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
      if (finished) {
        reconnectTimer = window.setTimeout(function () {
          connect(true);
        }, BS.backoffDelay(1));
        return;
      }
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
    // The batch is final; the stream stays open (?follow=1) for the mover's corrections.
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

  /** A correction was accepted: its event comes on the stream (reopened if it had ended). */
  function delivered() {
    if (source) return;
    attempts = 0;
    connect(finished);
  }

  /** Redraw the inventory from the state (after an editor opened or closed, or a refusal);
   * `now`: at once, even under an open editor (review.js then finds its new controls). */
  function reviewChanged(now) {
    summarySignature = "";
    dirty.summary = true;
    dirty.review = true;
    if (now) renderSummary(true);
    schedule();
  }

  function merge(payload) {
    var change = BS.apply(state, payload);
    if (Object.prototype.hasOwnProperty.call(payload, "inventorySummary")) summaryFromServer = true;
    else if (change.changed.length) summaryFromServer = false;
    if (change.full) {
      dirty.full = true;
      change.removed.forEach(removeRow);
      live = INV.createLive();
      dirty.summary = true;
    }
    for (var i = 0; i < change.changed.length; i++) {
      var id = change.changed[i];
      dirty.rows.add(id);
      if (INV.setPhoto(live, state.photos.get(id))) dirty.summary = true;
      if (id === viewer.id) dirty.viewer = true;
    }
    if (change.summaryChanged && INV.learn(book, state.inventorySummary)) {
      // names arrived: the rows that list items, and the open viewer, say them properly now
      state.order.forEach(function (photoId) {
        var photo = state.photos.get(photoId);
        if (photo && Array.isArray(photo.items) && photo.items.length) dirty.rows.add(photoId);
      });
      dirty.viewer = viewer.id !== null;
    }
    dirty.head = true;
    if (change.metaChanged) dirty.meta = dirty.review = true;
    if (change.summaryChanged || change.statusChanged) dirty.summary = true;
    if (change.statusChanged) {
      if (BS.isFinal(state.status)) {
        announce(
          t("announce.final", {
            status: PL.statusLabel(state.status),
            completed: t("n.done", { n: state.counts.completed }),
            failed: t("n.failed", { n: state.counts.failed })
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
        var requeued = Number(body.requeued) || 0;
        var kept = Array.isArray(body.notRetried) ? body.notRetried : [];
        showActionMessage(retryMessage(requeued, kept), false);
        attempts = 0;
        if (requeued) connect(); // from the last id: the batch runs again, `complete` will come again
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

  /** Pause / Resume / Cancel: shown while the batch is not final (Pause or Resume, by
   * whether it is paused), disabled while one of them is on its way. */
  function renderQueueButtons(status) {
    var known = state.hasSnapshot && status !== "UNKNOWN";
    var open = known && !BS.isFinal(status);
    var paused = status === "PAUSED";
    ui.pauseBatch.hidden = !open || paused;
    ui.resumeBatch.hidden = !open || !paused;
    ui.cancelBatch.hidden = !open;
    ui.pauseBatch.disabled = ui.resumeBatch.disabled = ui.cancelBatch.disabled = !!queueBusy;
  }

  function queueAction(action) {
    if (queueBusy) return;
    queueBusy = action;
    dirty.head = true;
    schedule();
    showActionMessage("", false);
    var label = (state.review && state.review.name) || t("batch.docTitle", { id: batchId });
    PL.fetchJson("/api/batches/" + encodeURIComponent(batchId) + "/" + action, { method: "POST" })
      .then(function (body) {
        var text =
          action === "cancel"
            ? t("queue.done.cancel", { name: label, n: PL.number(body.cancelled || 0) })
            : t("queue.done." + action, { name: label });
        showActionMessage(text, false);
        delivered(); // its event comes on the stream (reopened if it had ended)
      })
      .catch(function (err) {
        showActionMessage(t("queue.error.action", { message: err.message }), true);
      })
      .then(function () {
        queueBusy = "";
        dirty.head = true;
        schedule();
      });
  }

  function askCancel() {
    var label = (state.review && state.review.name) || t("batch.docTitle", { id: batchId });
    setText(ui.cancelTitle, t("queue.confirm.cancelTitle", { name: label }));
    setText(ui.cancelText, t("queue.confirm.cancelText", { n: PL.number(state.counts.queued) }));
    ui.cancelDialog.showModal();
    ui.cancelBack.focus(); // the safe choice first
  }

  // Failures the same file gives again, whatever the retries (PERMANENT_ERRORS in
  // desktopapp/core/tasks.py): the server does not retry those photos.
  var PERMANENT_ERRORS = { not_an_image: true, unsupported: true, empty_file: true, too_large: true, too_small: true };
  var RETRY_NAMES_SHOWN = 5;

  /** "2 photos retried. 1 cannot be retried: notes.jpg — not a picture." */
  function retryMessage(requeued, kept) {
    var parts = [];
    if (requeued || !kept.length) parts.push(t(requeued ? "action.retryFailedDone" : "action.retryNone", { n: requeued }));
    if (kept.length) {
      var named = kept.slice(0, RETRY_NAMES_SHOWN).map(function (entry) {
        var code = entry && entry.errorCode;
        var why = code && PERMANENT_ERRORS[code] ? t("retry.reason." + code) : PL.photoError(code, entry && entry.errorMessage);
        return baseName(entry && entry.fileName) + " — " + why;
      });
      if (kept.length > RETRY_NAMES_SHOWN) named.push("… +" + PL.number(kept.length - RETRY_NAMES_SHOWN));
      parts.push(t("action.retryKept", { n: kept.length, list: named.join(", ") }));
    }
    return parts.join(" ");
  }

  /** Whether some failed photo may do better on a retry (not every failure is permanent). */
  function retryable() {
    var any = false;
    state.photos.forEach(function (photo) {
      if (!any && photo.status === "ERROR" && !PERMANENT_ERRORS[photo.errorCode]) any = true;
    });
    return any;
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
    if (dirty.review) {
      dirty.review = false;
      REV.render(state);
    }
    if (dirty.viewer) renderViewer();
    if (dirty.conn) renderConn();
    if (debugLog.pending.length) renderDebug();
  }

  function renderHead() {
    dirty.head = false;
    REV.renderReanalyse(state); // "re-analyse the photos the model missed", while any
    var status = state.status || "UNKNOWN";
    var counts = state.counts;
    var done = BS.processed(state);
    var percentText = PL.percent(state.progress);
    setText(ui.batchId, "#" + batchId);
    ui.badge.setAttribute("data-status", status);
    setText(ui.badge, PL.statusLabel(status));
    setText(ui.percent, percentText);
    setText(ui.doneTotal, t("batch.photosDone", { done: PL.number(done), n: PL.number(counts.total) }));
    ui.bar.setAttribute("data-status", status);
    ui.bar.setAttribute("aria-valuenow", String(state.progress));
    ui.bar.setAttribute(
      "aria-valuetext",
      t("batch.progressText", { percent: percentText, done: done, n: counts.total })
    );
    ui.fill.style.width = state.progress + "%"; // CSSOM: allowed by the CSP, unlike style=""
    setText(ui.counts.queued, PL.number(counts.queued));
    setText(ui.counts.processing, PL.number(counts.processing));
    setText(ui.counts.completed, PL.number(counts.completed));
    setText(ui.counts.failed, PL.number(counts.failed));
    var cancelled = counts.cancelled || 0; // present only when some photos were cancelled
    setText(ui.counts.cancelled, PL.number(cancelled));
    ui.counterCancelled.hidden = !cancelled;
    ui.counters.classList.toggle("has-cancelled", cancelled > 0);
    renderQueueButtons(status);
    ui.retryFailed.hidden = !(counts.failed > 0 || retryBusy);
    if (!retryBusy) {
      // every failure permanent (not a picture, unsupported…): a retry would change nothing
      var permanent = counts.failed > 0 && state.hasSnapshot && !retryable();
      ui.retryFailed.disabled = permanent;
      ui.retryFailed.title = permanent ? t("action.retryPermanent") : "";
    }
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
    if (state.project) parts.push(PL.projectLabel(state.project));
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

  // -- inventory

  /** The server's summary when it is current (final, or corrected: the live view knows
   * nothing of room-level corrections); else the live view of an uncorrected running batch. */
  function useServerSummary(final) {
    var corrected = !!state.review && Number(state.review.corrections) > 0;
    return final || (summaryFromServer && corrected && !!state.inventorySummary);
  }

  function renderSummary(force) {
    var final = BS.isFinal(state.status);
    var now = Date.now();
    if (force !== true && REV.isEditing()) {
      // an editor is open in the table: redraw once it closes
      window.clearTimeout(editWaitTimer);
      editWaitTimer = window.setTimeout(schedule, 300);
      return;
    }
    if (force !== true && !final && now - lastSummaryAt < LIVE_SUMMARY_MS) {
      // a running batch: at most one redraw per LIVE_SUMMARY_MS, the last change included
      if (!summaryTimer) {
        summaryTimer = window.setTimeout(function () {
          summaryTimer = 0;
          schedule();
        }, LIVE_SUMMARY_MS - (now - lastSummaryAt));
      }
      return;
    }
    dirty.summary = false;
    lastSummaryAt = now;
    var server = state.inventorySummary;
    var analyzer = server && server.analyzer;
    var fromServer = useServerSummary(final);
    var summary = fromServer ? server : INV.summary(live, book, analyzer);
    var rooms = summary && Array.isArray(summary.rooms) ? summary.rooms : [];
    var show = !!summary && (fromServer || rooms.length > 0);
    ui.summary.hidden = !show;
    ui.summary.classList.toggle("is-provisional", !final);
    if (!show) return;
    var signature = JSON.stringify([final, summary]);
    if (signature === summarySignature) return;
    summarySignature = signature;

    var note = "";
    if (!final) note = summary.unknownLines ? t("summary.liveUnknown", { n: summary.unknownLines }) : t("summary.live");
    ui.summaryNote.hidden = !note;
    setText(ui.summaryNote, note);
    setText(ui.summaryItems, PL.number(summary.totalItems));
    setText(ui.summaryVolume, PL.volume(summary.totalVolume));
    setText(ui.summaryPacked, PL.volume(summary.totalPackedVolume));
    setText(ui.summaryRooms, PL.number(rooms.length));

    // one <tbody> per room: its row, then its item lines (folded away on demand)
    var focusedKey = document.activeElement && document.activeElement.getAttribute("data-focus-key");
    var old = ui.roomsTable.querySelectorAll("tbody.room-group");
    for (var i = 0; i < old.length; i++) old[i].remove();
    var fragment = document.createDocumentFragment();
    var photos = 0;
    REV.beginSummary(rooms);
    rooms.forEach(function (room, index) {
      photos += Number(room.photos) || 0;
      fragment.appendChild(roomGroup(room, index, rooms));
    });
    ui.roomsTable.insertBefore(fragment, ui.roomsTotal);
    setText(ui.totalPhotos, PL.number(photos));
    setText(ui.totalItems, PL.number(summary.totalItems));
    setText(ui.totalVolume, PL.decimal(summary.totalVolume));
    setText(ui.totalPacked, PL.decimal(summary.totalPackedVolume));
    if (focusedKey) {
      var again = ui.roomsTable.querySelector('[data-focus-key="' + CSS.escape(focusedKey) + '"]');
      if (again) again.focus();
    }
    setText(ui.summaryAnalyzer, analyzer ? t("summary.analyzer", { name: PL.analyzerLabel(analyzer) }) : "");
  }

  /** The room type's name, shown beside a folder's name unless it says the same ("Salon"). */
  function typeBeside(roomType, roomName) {
    if (!roomName || !roomType || roomType === "unknown") return "";
    var typeName = PL.roomLabel(roomType);
    var same = typeName.localeCompare(String(roomName).trim(), PL.lang, { sensitivity: "base" }) === 0;
    return same ? "" : typeName;
  }

  function roomKeyOf(room) {
    return (room.roomType || "unknown") + "|" + (room.roomName || "");
  }

  function roomGroup(room, index, rooms) {
    var key = roomKeyOf(room);
    var open = !collapsedRooms.has(key);
    var lines = Array.isArray(room.items) ? room.items : [];
    var tbody = PL.el("tbody", "room-group");
    tbody.setAttribute("data-room", room.roomType || "unknown");
    var itemsId = "room-items-" + index;

    var tr = PL.el("tr", "room-row");
    var name = PL.el("th");
    name.scope = "row";
    var toggle = PL.el("button", "room-toggle");
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("data-room-key", key);
    toggle.setAttribute("data-focus-key", "toggle|" + key);
    var chevron = PL.el("span", "chevron");
    chevron.setAttribute("aria-hidden", "true");
    toggle.appendChild(chevron);
    toggle.appendChild(PL.el("span", "room-name", PL.roomDisplay(room.roomType, room.roomName)));
    var typeName = typeBeside(room.roomType, room.roomName);
    if (typeName) toggle.appendChild(PL.el("span", "room-type muted", typeName));
    REV.roomHead(name, toggle, room);
    tr.appendChild(name);
    tr.appendChild(PL.el("td", "num", PL.number(room.photos)));
    tr.appendChild(PL.el("td", "num", PL.number(room.itemsCount)));
    tr.appendChild(PL.el("td", "num", PL.decimal(room.volume_m3)));
    tr.appendChild(PL.el("td", "num", PL.decimal(room.packedVolume_m3)));
    tbody.appendChild(tr);

    if (!lines.length) {
      var empty = PL.el("tr", "item-row is-empty");
      var cell = PL.el("td", "item-name muted", t("summary.noItems"));
      cell.colSpan = 5;
      empty.appendChild(cell);
      empty.id = itemsId + "-0";
      empty.hidden = !open;
      tbody.appendChild(empty);
    }
    lines.forEach(function (line, n) {
      var row = PL.el("tr", "item-row");
      row.id = itemsId + "-" + n;
      row.hidden = !open;
      row.setAttribute("data-label", line.label);
      row.classList.toggle("is-built-in", !!line.builtIn);
      var label = PL.el("td", "item-name");
      label.appendChild(PL.el("span", "item-label", lineName(line)));
      if (line.builtIn) label.appendChild(badge("built-in", t("item.builtIn")));
      row.appendChild(label);
      row.appendChild(PL.el("td", "num"));
      row.appendChild(PL.el("td", "num", PL.number(line.quantity)));
      row.appendChild(PL.el("td", "num", volumeCell(line.volume_m3, line.builtIn)));
      row.appendChild(PL.el("td", "num", volumeCell(line.packedVolume_m3, line.builtIn)));
      REV.lineCells(row, room, line); // flags, source, quantity stepper
      tbody.appendChild(row);
    });
    tbody.appendChild(REV.roomActions(room, rooms, open));
    var ids = [];
    for (var i = 0; i < Math.max(lines.length, 1); i++) ids.push(itemsId + "-" + i);
    toggle.setAttribute("aria-controls", ids.join(" "));
    return tbody;
  }

  function lineName(line) {
    var name = PL.lang === "fr" ? line.fr : line.en;
    // a label the catalogue does not know comes back as its key: say it as words
    return name && name !== line.label ? name : INV.labelWords(line.label);
  }

  function volumeCell(m3, builtIn) {
    if (builtIn) return "—";
    if (m3 === null || m3 === undefined) return "…"; // not known yet (provisional view)
    return PL.decimal(m3);
  }

  function badge(kind, text) {
    var node = PL.el("span", "tag tag-item", text);
    node.setAttribute("data-kind", kind);
    return node;
  }

  function toggleRoom(button) {
    var key = button.getAttribute("data-room-key");
    var open = button.getAttribute("aria-expanded") !== "true";
    if (open) collapsedRooms.delete(key);
    else collapsedRooms.add(key);
    button.setAttribute("aria-expanded", String(open));
    var rows = button.closest("tbody").querySelectorAll("tr.item-row");
    for (var i = 0; i < rows.length; i++) rows[i].hidden = !open;
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
    var thumb = PL.el("button", "thumb");
    thumb.type = "button";
    thumb.disabled = true; // a photo opens in the viewer once it is DONE
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
    main.appendChild(PL.el("div", "photo-items"));
    main.appendChild(PL.el("p", "photo-error"));
    li.appendChild(main);
    var roomCell = PL.el("div", "room-cell");
    roomCell.appendChild(PL.el("span", "room"));
    roomCell.appendChild(PL.el("span", "room-hint"));
    li.appendChild(roomCell);
    li.appendChild(PL.el("span", "photo-state"));
    REV.extendRow(li); // pick box, "room…" and exclude (after: the children above keep their places)
    return li;
  }

  function createRow(id) {
    var li = rowPrototype.cloneNode(true);
    li.setAttribute("data-id", String(id));
    var main = li.children[2];
    var rec = {
      li: li,
      thumb: li.children[1],
      img: li.children[1].firstChild,
      name: main.children[0],
      sub: main.children[1],
      items: main.children[2],
      error: main.children[3],
      room: li.children[3].children[0],
      roomHint: li.children[3].children[1],
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
    var hasItems = Array.isArray(photo.items) && photo.items.length > 0;
    var key = (hasItems ? book.version + "|" : "") + JSON.stringify(photo);
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
    rec.thumb.disabled = status !== "DONE";
    if (status === "DONE") rec.thumb.setAttribute("aria-label", t("viewer.open", { name: photo.fileName || "#" + photo.id }));
    else rec.thumb.removeAttribute("aria-label");

    // details line: size, items, attempts, then the quality flags as small tags
    rec.sub.textContent = "";
    var details = [];
    if (photo.width && photo.height) details.push(PL.number(photo.width) + " × " + PL.number(photo.height));
    if (photo.itemsCount) details.push(t("n.items", { n: photo.itemsCount }));
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
    if (photo.excluded === true) {
      var out = PL.el("span", "tag tag-flag", t("photo.excluded"));
      out.setAttribute("data-flag", "excluded");
      rec.sub.appendChild(out);
    }
    rec.sub.hidden = !rec.sub.firstChild;

    var error = status === "ERROR" || retrying ? PL.photoError(photo.errorCode, photo.errorMessage) : "";
    setText(rec.error, error);
    rec.error.hidden = !error;
    if (photo.errorCode) rec.error.setAttribute("data-code", photo.errorCode);
    else rec.error.removeAttribute("data-code");

    // what the photo shows: "Canapé ×1, Chaise ×2"
    var itemsText = status === "DONE" ? itemsSummary(photo.items) : "";
    setText(rec.items, itemsText);
    rec.items.title = itemsText;
    rec.items.hidden = !itemsText;

    var knowsRoom = status === "DONE" || !!photo.roomType;
    setText(rec.room, knowsRoom ? PL.roomDisplay(photo.roomType, photo.roomName) : "");
    rec.room.hidden = !knowsRoom;
    rec.room.classList.toggle("is-unknown", !photo.roomType);
    if (photo.roomType) rec.room.setAttribute("data-room", photo.roomType);
    var typeName = typeBeside(photo.roomType, photo.roomName);
    rec.room.title = typeName ? photo.roomName + " · " + typeName : rec.room.textContent;
    var source = knowsRoom && photo.roomType ? roomSource(photo) : null;
    setText(rec.roomHint, source ? source.text : "");
    rec.roomHint.title = source ? source.detail : "";
    rec.roomHint.hidden = !source;

    setText(rec.state, t(retrying ? "photo.RETRYING" : "photo." + status));
    REV.updateRow(li, photo);
  }

  /** "from folder name" / "from objects seen", and what exactly matched. */
  function roomSource(photo) {
    var cue = photo.roomCue;
    if (photo.roomSource === "name") {
      // the cue is the name that matched: the folder's, or the file's (in a named folder too)
      var fromFolder = !!photo.roomName && (!cue || cue === photo.roomName);
      return {
        text: t(fromFolder ? "room.fromFolder" : "room.fromFile"),
        detail: cue ? t("room.cueName", { cue: cue }) : ""
      };
    }
    if (photo.roomSource === "hand") {
      var was = photo.detected && photo.detected.roomType ? PL.roomDisplay(photo.detected.roomType, photo.detected.roomName) : "";
      return { text: t("room.fromHand"), detail: was ? t("room.detectedAs", { room: was }) : "" };
    }
    if (photo.roomSource === "items") {
      return {
        text: t("room.fromItems"),
        detail: cue ? t("room.cueItem", { item: INV.itemName(book, cue, PL.lang) }) : ""
      };
    }
    return null;
  }

  function itemsSummary(items) {
    return INV.photoCounts(items)
      .map(function (pair) {
        return t("item.quantity", { name: INV.itemName(book, pair[0], PL.lang), n: PL.number(pair[1]) });
      })
      .join(", ");
  }

  // -- viewer: one photo's preview with its items' boxes

  /** The photos the viewer steps through: the DONE ones, in list order. */
  function viewable() {
    return state.order.filter(function (id) {
      var photo = state.photos.get(id);
      return photo && photo.status === "DONE";
    });
  }

  function openViewer(id) {
    viewer.id = id;
    if (!ui.viewer.open) {
      ui.viewer.showModal();
      document.body.classList.add("has-modal");
    }
    renderViewer();
    ui.viewerClose.focus();
  }

  function closeViewer() {
    if (viewer.id === null) return;
    var id = viewer.id;
    viewer.id = null;
    PI.reset();
    $("viewer-message").hidden = true; // a message of the viewer's goes with it
    if (ui.viewer.open) ui.viewer.close();
    document.body.classList.remove("has-modal");
    var rec = rows.get(id); // back where the person was: the last photo they looked at
    if (rec && !rec.thumb.disabled) rec.thumb.focus();
  }

  function stepViewer(delta) {
    var ids = viewable();
    if (!ids.length) return;
    var index = ids.indexOf(viewer.id);
    var next = ids[(index + delta + ids.length) % ids.length]; // wraps around
    if (next !== viewer.id) {
      viewer.id = next;
      PI.reset();
      renderViewer();
    }
  }

  function renderViewer() {
    dirty.viewer = false;
    if (viewer.id === null) return;
    var photo = state.photos.get(viewer.id);
    if (!photo) {
      closeViewer();
      return;
    }
    var ids = viewable();
    var index = ids.indexOf(viewer.id);
    setText(ui.viewerTitle, photo.fileName || "#" + photo.id);
    var meta = [];
    if (photo.roomType || photo.status === "DONE") {
      var source = photo.roomType ? roomSource(photo) : null;
      meta.push(PL.roomDisplay(photo.roomType, photo.roomName) + (source ? " (" + source.text + ")" : ""));
    }
    if (photo.width && photo.height) meta.push(PL.number(photo.width) + " × " + PL.number(photo.height));
    setText(ui.viewerMeta, meta.join(" · "));
    setText(ui.viewerPosition, index >= 0 ? t("viewer.position", { n: index + 1, total: ids.length }) : "");
    ui.viewerPrev.hidden = ui.viewerNext.hidden = ids.length < 2;

    // the stage has the photo's proportions: boxes in % of it land on the picture
    var ratio = photo.width && photo.height ? photo.width / photo.height : 4 / 3;
    ui.viewerStage.style.setProperty("--ratio", String(ratio));
    var src = photo.status === "DONE" ? "/api/photos/" + encodeURIComponent(photo.id) + "/preview" : "";
    if (src !== viewer.src) {
      viewer.src = src;
      viewer.state = src ? "loading" : "waiting";
      ui.viewerStage.style.backgroundImage = photo.thumbnailUrl ? 'url("' + photo.thumbnailUrl + '")' : "none";
      ui.viewerStage.classList.remove("is-loaded");
      if (src) ui.viewerImg.src = src;
      else ui.viewerImg.removeAttribute("src");
    }
    ui.viewerImg.alt = photo.fileName || "";

    var items = photo.status === "DONE" && Array.isArray(photo.items) ? photo.items : [];
    ui.viewerBoxes.textContent = "";
    ui.viewerUnboxedList.textContent = "";
    var boxed = 0;
    // the largest boxes first: smaller ones are drawn over them, and their labels placed last
    var ordered = items.filter(function (item) {
      return item && typeof item.label === "string";
    });
    ordered.sort(function (a, b) {
      return boxArea(validBox(b.box)) - boxArea(validBox(a.box));
    });
    ordered.forEach(function (item) {
      var name = INV.itemName(book, item.label, PL.lang);
      var quantity = Number(item.quantity) > 1 ? " ×" + PL.number(item.quantity) : "";
      var box = validBox(item.box);
      if (!box) {
        ui.viewerUnboxedList.appendChild(PL.el("li", "tag", name + quantity));
        return;
      }
      var confidence = typeof item.confidence === "number" ? PL.percent(item.confidence * 100) : "";
      var rect = PL.el("div", "viewer-box box-c" + (boxed % BOX_COLOURS));
      rect.style.left = box[0] * 100 + "%";
      rect.style.top = box[1] * 100 + "%";
      rect.style.width = (box[2] - box[0]) * 100 + "%";
      rect.style.height = (box[3] - box[1]) * 100 + "%";
      rect.setAttribute("data-label", item.label);
      var text = t("viewer.boxLabel", { name: name + quantity, confidence: confidence }).trim();
      var label = PL.el("span", "viewer-box-label", text);
      label.title = text;
      if (box[0] > 0.6) label.classList.add("is-right"); // near the right edge: right-aligned
      rect.appendChild(label);
      ui.viewerBoxes.appendChild(rect);
      boxed += 1;
    });
    placeLabels();
    ui.viewerUnboxed.hidden = !ui.viewerUnboxedList.firstChild;
    var status = "";
    if (viewer.state === "loading") status = t("viewer.loading");
    else if (viewer.state === "error") status = t("viewer.loadError");
    else if (viewer.state === "waiting") status = t("photo." + (photo.status || "PENDING"));
    else if (!items.length) status = t("viewer.noItems");
    else if (boxed) status = t("viewer.boxes", { n: boxed });
    setText(ui.viewerStatus, status);
    PI.render(photo);
  }

  function boxArea(box) {
    return box ? (box[2] - box[0]) * (box[3] - box[1]) : 0;
  }

  // Where a box's label may go, in order of preference: above the box, inside its top,
  // below it, inside its bottom. Each label takes the first spot that stays on the picture
  // and covers no label placed before it.
  var LABEL_SPOTS = ["is-above", "is-inside", "is-below", "is-inside-bottom"];

  function placeLabels() {
    var stage = ui.viewerStage.getBoundingClientRect();
    if (!stage.width) return; // not laid out (closed)
    var placed = [];
    var labels = ui.viewerBoxes.querySelectorAll(".viewer-box-label");
    for (var i = 0; i < labels.length; i++) {
      var label = labels[i];
      var chosen = null;
      for (var j = 0; j < LABEL_SPOTS.length && !chosen; j++) {
        LABEL_SPOTS.forEach(function (spot) {
          label.classList.remove(spot);
        });
        label.classList.add(LABEL_SPOTS[j]);
        var r = label.getBoundingClientRect();
        var onPicture = r.top >= stage.top - 0.5 && r.bottom <= stage.bottom + 0.5;
        if (onPicture && !placed.some(overlaps(r))) chosen = r;
      }
      if (!chosen) {
        // nowhere free: inside the box's top, where it at least names the right box
        LABEL_SPOTS.forEach(function (spot) {
          label.classList.remove(spot);
        });
        label.classList.add("is-inside");
        chosen = label.getBoundingClientRect();
      }
      placed.push(chosen);
    }
  }

  function overlaps(a) {
    return function (b) {
      return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    };
  }

  /** [x0, y0, x1, y1] within 0..1 with some area, clamped; else null. */
  function validBox(box) {
    if (!Array.isArray(box) || box.length !== 4) return null;
    var v = box.map(function (n) {
      return Math.max(0, Math.min(1, Number(n)));
    });
    if (v.some(isNaN) || v[2] <= v[0] || v[3] <= v[1]) return null;
    return v;
  }

  function onViewerKey(e) {
    if (viewer.id === null) return;
    var target = e.target;
    var typing = target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
    if (typing && e.key !== "Escape" && e.key !== "Tab") return; // the field's own keys (← → move the caret)
    if (e.key === "Escape") {
      e.preventDefault();
      closeViewer();
    } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      stepViewer(e.key === "ArrowLeft" ? -1 : 1);
    } else if (e.key === "Tab") {
      trapFocus(e);
    }
  }

  /** Tab and Shift+Tab cycle through the dialog's controls, never out of it. */
  function trapFocus(e) {
    var controls = "button, [href], [tabindex], input, select, textarea";
    var focusable = Array.prototype.filter.call(ui.viewer.querySelectorAll(controls), function (node) {
      return !node.disabled && !node.hidden && node.getClientRects().length > 0 && node.tabIndex >= 0;
    });
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var inside = ui.viewer.contains(document.activeElement);
    if (e.shiftKey && (document.activeElement === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }

  function setUpViewer() {
    ui.list.addEventListener("click", function (e) {
      var button = e.target.closest("button.thumb");
      if (!button || button.disabled) return;
      var li = button.closest("li[data-id]");
      var id = li ? Number(li.getAttribute("data-id")) : NaN;
      if (state.photos.has(id)) openViewer(id);
    });
    ui.viewerClose.addEventListener("click", closeViewer);
    ui.viewerPrev.addEventListener("click", function () {
      stepViewer(-1);
    });
    ui.viewerNext.addEventListener("click", function () {
      stepViewer(1);
    });
    document.addEventListener("keydown", onViewerKey);
    // the browser's own Esc handling (and any other close) goes through ours
    ui.viewer.addEventListener("cancel", function (e) {
      e.preventDefault();
      closeViewer();
    });
    ui.viewer.addEventListener("close", function () {
      if (viewer.id !== null) closeViewer();
    });
    // a click on the backdrop (outside the dialog's box) closes it
    ui.viewer.addEventListener("click", function (e) {
      if (e.target !== ui.viewer) return;
      var r = ui.viewer.getBoundingClientRect();
      var outside = e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
      if (outside) closeViewer();
    });
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(function () {
        if (viewer.id !== null) placeLabels(); // label sizes are fixed, the picture is not
      }, 100);
    });
    ui.viewerImg.addEventListener("load", function () {
      if (!viewer.src || ui.viewerImg.getAttribute("src") !== viewer.src) return;
      viewer.state = "loaded";
      ui.viewerStage.classList.add("is-loaded");
      dirty.viewer = true;
      schedule();
    });
    ui.viewerImg.addEventListener("error", function () {
      if (!viewer.src || ui.viewerImg.getAttribute("src") !== viewer.src) return;
      viewer.state = "error";
      dirty.viewer = true;
      schedule();
    });
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
    ui.pauseBatch.addEventListener("click", function () {
      queueAction("pause");
    });
    ui.resumeBatch.addEventListener("click", function () {
      queueAction("resume");
    });
    ui.cancelBatch.addEventListener("click", askCancel);
    ui.cancelBack.addEventListener("click", function () {
      ui.cancelDialog.close();
      ui.cancelBatch.focus();
    });
    ui.cancelConfirm.addEventListener("click", function () {
      ui.cancelDialog.close();
      queueAction("cancel");
    });
    ui.roomsTable.addEventListener("click", function (e) {
      var button = e.target.closest("button.room-toggle");
      if (button) toggleRoom(button);
    });
    setUpViewer();
    REV.setUp({ batchId: batchId, state: state, changed: reviewChanged, delivered: delivered });
    PI.setUp({
      name: function (label) {
        return book.items.has(label) ? INV.itemName(book, label, PL.lang) : null;
      }
    });
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
    ui.exportCsv.href =
      "/api/batches/" + encodeURIComponent(batchId) + "/export?format=csv&lang=" + PL.lang;
    ui.exportPdf.href = "/api/batches/" + encodeURIComponent(batchId) + "/report.pdf?lang=" + PL.lang;
    render();
    connect();
  }

  start();
})();
