/* The queue page (/queue): every batch in queue order with its counts, pace, waits and ETA,
 * what each worker is doing, and the queue's actions (pause, resume, cancel, move to the
 * front, retry failed photos, clean finished batches).
 *
 * It follows GET /api/queue/stream (Server-Sent Events: a `queue` event with the whole
 * dashboard at once, then again after every change; `ping` after silence; `timeout` before
 * the server closes). No polling: a lost stream is reopened with backoff (1 s → 30 s with
 * jitter, 5 attempts: BatchState.backoffDelay, as the other pages); a first connection that
 * fails reads GET /api/queue once; once the reconnections run out the page says so and
 * offers Reload (those rules: snapshot-stream.js, shared with the start page). Rows are made once and updated in place, keyed by batch id.
 *
 * A batch's photos (attempts, stage times, errors) are read on demand with
 * GET /api/queue/batches/{id} when the person opens them, and read again only when a
 * `queue` event shows that batch's counts changed. All text goes in with textContent.
 *
 * What a vision model costs (the dashboard's `model`, overall and per batch: seconds per
 * photo, tokens per photo and in all when its server reports them) is shown only when a
 * model was asked: without one the page looks as before. */
(function (global) {
  "use strict";

  var PL = global.PL;
  var BS = global.BatchState;
  var t = PL.t;
  var setText = PL.setText;

  function $(id) {
    return document.getElementById(id);
  }

  var QUEUE_STREAM = "/api/queue/stream";
  var COUNT_KINDS = ["queued", "processing", "completed", "failed", "cancelled"];
  var STAGES = ["copy", "decode", "detect", "write"];
  var FINAL = {};
  PL.FINAL_STATUSES.forEach(function (status) {
    FINAL[status] = true;
  });

  // ---- formatting (also used by the tests through window.QueueView) ------------------------

  var oneDecimal = new Intl.NumberFormat(PL.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var upToOne = new Intl.NumberFormat(PL.lang, { maximumFractionDigits: 1 });

  /** A pace: "2.5" under 10 a minute, whole numbers above. */
  function pace(perMinute) {
    var n = Number(perMinute) || 0;
    return n < 10 ? upToOne.format(n) : PL.number(Math.round(n));
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /** A remaining time: "≈ 45 s", "≈ 2 min 30 s", "≈ 1 h 05 min"; "—" when unknown. */
  function eta(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(Number(seconds))) return "—";
    var s = Math.max(1, Math.round(Number(seconds)));
    var text;
    if (s < 60) text = s + " s";
    else if (s < 3600) {
      var minutes = Math.floor(s / 60);
      var rest = s % 60;
      text = minutes + " min" + (rest ? " " + rest + " s" : "");
    } else {
      var hours = Math.floor(s / 3600);
      text = hours + " h " + pad2(Math.round((s % 3600) / 60) % 60) + " min";
    }
    return t("queue.eta", { time: text });
  }

  /** A measured duration: "85 ms", "1.2 s", "14 s", "2 min 05 s"; "—" when none. */
  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(Number(seconds))) return "—";
    var s = Math.max(0, Number(seconds));
    if (s < 1) return Math.round(s * 1000) + " ms";
    if (s < 10) return oneDecimal.format(s) + " s";
    if (s < 60) return Math.round(s) + " s";
    return Math.floor(s / 60) + " min " + pad2(Math.round(s % 60) % 60) + " s";
  }

  /** "Worker-2" → "Worker 2" / "Poste 2"; another name as it is. */
  function workerName(name) {
    var text = String(name || "");
    // a team's worker (core.leases): "host:pid:random" — the machine is what people know
    var team = /^(.+):\d+:[0-9a-f]+$/.exec(text);
    if (team) return team[1];
    var match = /(\d+)$/.exec(text);
    return match ? t("queue.worker", { name: match[1] }) : text || "?";
  }

  function batchLabel(batch) {
    var name = batch && typeof batch.name === "string" ? batch.name.trim() : "";
    return name || t("list.batch", { id: batch ? batch.batchId : "?" });
  }

  /** A model's cost (`model` of the dashboard): its mean seconds per photo, "—" if none. */
  function modelTime(model) {
    return model && model.photos ? duration(model.secondsPerPhoto) : "—";
  }

  /** Tokens per photo, and in all: "1,150 (2,300 in all)"; "—" when none were reported. */
  function tokens(model) {
    var reported = model && model.tokens;
    if (!reported || !reported.photos) return "—";
    return t("queue.tokens", {
      n: PL.number(Math.round(Number(reported.perPhoto) || 0)),
      total: PL.number(Number(reported.total) || 0)
    });
  }

  global.QueueView = { eta: eta, duration: duration, workerName: workerName, modelTime: modelTime, tokens: tokens };

  // ---- the page ----------------------------------------------------------------------------

  var ui = {
    conn: $("queue-conn"),
    connText: $("queue-conn-text"),
    reload: $("queue-reload"),
    status: $("queue-status"),
    list: $("queue-list"),
    count: $("batches-count"),
    message: $("queue-message"),
    figThroughput: $("fig-throughput"),
    figRate: $("fig-rate"),
    figWaiting: $("fig-waiting"),
    figWorkers: $("fig-workers"),
    figures: document.querySelector(".queue-figures"),
    figModelBox: $("fig-model-box"),
    figModel: $("fig-model"),
    figTokensBox: $("fig-tokens-box"),
    figTokens: $("fig-tokens"),
    workerList: $("worker-list"),
    workersIdle: $("workers-idle"),
    workersNone: $("workers-none"),
    cleanForm: $("clean-form"),
    cleanDays: $("clean-days"),
    cleanOpen: $("clean-open"),
    dialog: $("confirm-dialog"),
    dialogTitle: $("confirm-title"),
    dialogText: $("confirm-text"),
    dialogBack: $("confirm-back"),
    dialogOk: $("confirm-ok")
  };

  var shown = false;

  var rows = new Map(); // batch id → row record
  var batches = new Map(); // batch id → the newest row of the dashboard
  var busy = new Set(); // batch ids with an action in flight
  var pendingConfirm = null; // the action the dialog asks about

  // ---- the stream --------------------------------------------------------------------------

  function setConn(name) {
    ui.conn.setAttribute("data-state", name);
    setText(ui.connText, t("list.conn." + name));
    ui.reload.hidden = name !== "offline";
  }

  var stream = global.SnapshotStream.follow({
    url: QUEUE_STREAM,
    event: "queue",
    readUrl: "/api/queue",
    onSnapshot: function (body) {
      if (body) render(body);
    },
    onReadError: showReadError,
    onState: setConn
  });

  function showReadError(message) {
    if (shown) return; // the last state stays; the indicator says it is not live
    ui.status.hidden = false;
    setText(ui.status, t("queue.error.read", { message: message }));
  }

  // ---- drawing -----------------------------------------------------------------------------

  function render(body) {
    shown = true;
    var list = Array.isArray(body.batches) ? body.batches : [];
    renderBatches(list); // first: the workers' lines name the batches
    renderFigures(body, list);
    renderWorkers(body.workers || {});
  }

  function renderFigures(body, list) {
    var throughput = body.throughput || {};
    var workers = body.workers || {};
    var busyCount = Array.isArray(workers.busy) ? workers.busy.length : 0;
    var waiting = 0;
    list.forEach(function (batch) {
      waiting += Number(batch.counts && batch.counts.queued) || 0;
    });
    setText(ui.figThroughput, PL.number(throughput.lastMinute || 0));
    var perSecond = Number(throughput.perSecond);
    setText(ui.figRate, perSecond > 0 ? t("queue.perMinute", { n: pace(perSecond * 60) }) : "—");
    setText(ui.figWaiting, PL.number(waiting));
    setText(ui.figWorkers, PL.number(busyCount) + " / " + PL.number(workers.count || 0));
    var model = body.model && body.model.photos ? body.model : null; // none: nothing said
    ui.figures.classList.toggle("has-model", !!model);
    ui.figModelBox.hidden = !model;
    ui.figTokensBox.hidden = !model;
    setText(ui.figModel, modelTime(model));
    setText(ui.figTokens, tokens(model));
  }

  function renderWorkers(workers) {
    var list = Array.isArray(workers.busy) ? workers.busy : [];
    var idle = Math.max(0, (Number(workers.count) || 0) - list.length);
    setText(ui.workersIdle, t("queue.idle", { n: idle }));
    ui.workersNone.hidden = list.length > 0;
    // few lines (one per worker): redrawn whole, in the server's order
    var fragment = document.createDocumentFragment();
    list.forEach(function (job) {
      var li = PL.el("li", "worker");
      li.setAttribute("data-worker", String(job.worker || ""));
      li.setAttribute("data-stage", String(job.stage || ""));
      var name = PL.el("span", "worker-name");
      name.appendChild(PL.el("span", "worker-label", workerName(job.worker)));
      name.title = String(job.worker || "");
      li.appendChild(name);
      var file = PL.el("span", "worker-file", job.fileName || "#" + job.photoId);
      file.title = file.textContent;
      li.appendChild(file);
      var batch = batches.get(String(job.batchId));
      var link = PL.el("a", "worker-batch", batch ? batchLabel(batch) : t("list.batch", { id: job.batchId }));
      link.href = "/batches/" + encodeURIComponent(job.batchId);
      li.appendChild(link);
      var stage = PL.el("span", "tag worker-stage", t("queue.stage." + (job.stage || "claim")));
      stage.setAttribute("data-stage", String(job.stage || "claim"));
      li.appendChild(stage);
      li.appendChild(PL.el("span", "worker-seconds num", duration(job.seconds)));
      fragment.appendChild(li);
    });
    ui.workerList.textContent = "";
    ui.workerList.appendChild(fragment);
  }

  function renderBatches(list) {
    var seen = new Set();
    var previous = null;
    var unfinished = 0;
    list.forEach(function (batch) {
      if (!batch || batch.batchId === undefined || batch.batchId === null) return;
      var id = String(batch.batchId);
      if (seen.has(id)) return;
      seen.add(id);
      if (!FINAL[batch.status]) unfinished += 1;
      batches.set(id, batch);
      var rec = rows.get(id);
      if (!rec) {
        rec = createRow(id);
        rows.set(id, rec);
      }
      batch.position = FINAL[batch.status] ? 0 : unfinished;
      updateRow(rec, batch);
      var wanted = previous ? previous.nextSibling : ui.list.firstChild;
      if (rec.li !== wanted) ui.list.insertBefore(rec.li, wanted);
      previous = rec.li;
    });
    rows.forEach(function (rec, id) {
      if (!seen.has(id)) {
        rec.li.remove(); // cleaned or deleted
        rows.delete(id);
        batches.delete(id);
        busy.delete(id);
      }
    });
    ui.status.hidden = seen.size > 0;
    setText(ui.status, seen.size ? "" : t("queue.empty"));
    setText(ui.count, seen.size ? "(" + PL.number(seen.size) + ")" : "");
    document.title = t("queue.title") + " — PhotoLot";
  }

  function actionButton(action, label, className) {
    var button = PL.el("button", "btn btn-small" + (className ? " " + className : ""), label);
    button.type = "button";
    button.setAttribute("data-action", action);
    return button;
  }

  function createRow(id) {
    var li = PL.el("li", "qbatch");
    li.setAttribute("data-batch-id", id);

    var head = PL.el("div", "qbatch-head");
    var title = PL.el("div", "qbatch-title");
    var link = PL.el("a", "qbatch-name");
    link.href = "/batches/" + encodeURIComponent(id);
    title.appendChild(link);
    var sub = PL.el("span", "qbatch-sub muted");
    title.appendChild(sub);
    head.appendChild(title);
    var position = PL.el("span", "qbatch-position muted small");
    head.appendChild(position);
    var badge = PL.el("span", "badge");
    head.appendChild(badge);
    li.appendChild(head);

    var barWrap = PL.el("div", "qbatch-bar");
    var bar = PL.el("div", "progress");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    var fill = PL.el("div", "progress-fill");
    bar.appendChild(fill);
    barWrap.appendChild(bar);
    var percent = PL.el("span", "batch-percent");
    barWrap.appendChild(percent);
    var etaText = PL.el("span", "qbatch-eta");
    barWrap.appendChild(etaText);
    li.appendChild(barWrap);

    var counts = PL.el("ul", "qbatch-counts");
    var countCells = {};
    COUNT_KINDS.forEach(function (kind) {
      var item = PL.el("li", "qcount");
      item.setAttribute("data-kind", kind);
      var value = PL.el("span", "qcount-value", "0");
      item.appendChild(value);
      item.appendChild(PL.el("span", "qcount-label", t("count." + kind)));
      counts.appendChild(item);
      countCells[kind] = { item: item, value: value };
    });
    li.appendChild(counts);

    var stats = PL.el("dl", "qbatch-stats");
    var statCells = {};
    ["lastMinute", "average", "wait", "processing", "model", "tokens"].forEach(function (kind) {
      var cell = PL.el("div", "qstat");
      cell.setAttribute("data-kind", kind);
      cell.appendChild(PL.el("dt", null, t("queue.stat." + kind)));
      var dd = PL.el("dd");
      cell.appendChild(dd);
      stats.appendChild(cell);
      statCells[kind] = dd;
      if (kind === "model" || kind === "tokens") cell.hidden = true; // only with a model
    });
    li.appendChild(stats);

    var actions = PL.el("div", "qbatch-actions");
    var toggle = actionButton("photos", t("queue.photos.show"), "btn-ghost qbatch-toggle");
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", "detail-" + id);
    actions.appendChild(toggle);
    var spacer = PL.el("span", "qbatch-spacer");
    actions.appendChild(spacer);
    var buttons = {
      pause: actionButton("pause", t("queue.action.pause")),
      resume: actionButton("resume", t("queue.action.resume"), "btn-primary"),
      front: actionButton("front", t("queue.action.front")),
      retry: actionButton("retry", t("action.retryFailed")),
      cancel: actionButton("cancel", t("queue.action.cancel"), "btn-danger")
    };
    ["pause", "resume", "front", "retry", "cancel"].forEach(function (name) {
      actions.appendChild(buttons[name]);
    });
    li.appendChild(actions);

    var detail = PL.el("div", "qbatch-detail");
    detail.id = "detail-" + id;
    detail.hidden = true;
    li.appendChild(detail);

    return {
      id: id,
      li: li,
      link: link,
      sub: sub,
      position: position,
      badge: badge,
      bar: bar,
      fill: fill,
      percent: percent,
      eta: etaText,
      counts: countCells,
      stats: statCells,
      toggle: toggle,
      buttons: buttons,
      detail: detail,
      open: false,
      countsKey: "",
      key: "",
      photos: null // the photo table, once opened
    };
  }

  function updateRow(rec, batch) {
    var key = JSON.stringify(batch) + "|" + busy.has(rec.id);
    if (key === rec.key) return;
    rec.key = key;
    var status = batch.status || "QUEUED";
    var counts = batch.counts || {};
    var final = !!FINAL[status];
    var paused = batch.paused === true || status === "PAUSED";
    var progress = Math.max(0, Math.min(100, Number(batch.progress) || 0));
    rec.li.setAttribute("data-status", status);

    var label = batchLabel(batch);
    setText(rec.link, label);
    rec.link.title = label;
    var sub = [];
    if (batch.name) sub.push(t("list.batch", { id: batch.batchId }));
    if (batch.project) sub.push(PL.projectName(batch.project));
    if (batch.createdAt) sub.push(PL.dateTime(batch.createdAt));
    setText(rec.sub, sub.length ? " · " + sub.join(" · ") : "");
    setText(rec.position, batch.position ? t("queue.position", { n: batch.position }) : "");

    rec.badge.setAttribute("data-status", status);
    setText(rec.badge, PL.statusLabel(status));
    rec.bar.setAttribute("data-status", status);
    rec.bar.setAttribute("aria-valuenow", String(progress));
    rec.bar.setAttribute("aria-label", t("queue.progressOf", { name: label }));
    rec.fill.style.width = progress + "%"; // CSSOM: allowed by the CSP, unlike style=""
    setText(rec.percent, PL.percent(progress));
    var etaLine = "";
    if (!final && paused) etaLine = t("queue.etaPaused");
    else if (!final) etaLine = t("queue.etaLabel", { eta: eta(batch.eta_s) });
    setText(rec.eta, etaLine); // empty for a finished batch: the bars keep one width

    COUNT_KINDS.forEach(function (kind) {
      var value = Number(counts[kind]) || 0;
      setText(rec.counts[kind].value, PL.number(value));
      // "cancelled" only when there are some (the server sends it only then)
      rec.counts[kind].item.hidden = kind === "cancelled" && !value;
      rec.counts[kind].item.classList.toggle("is-zero", !value);
    });

    var throughput = batch.throughput || {};
    var wait = batch.wait || {};
    var run = batch.processing || {};
    setText(rec.stats.lastMinute, t("n.photos", { n: PL.number(throughput.lastMinute || 0) }));
    setText(
      rec.stats.average,
      throughput.perMinute ? t("queue.perMinute", { n: pace(throughput.perMinute) }) : "—"
    );
    setText(rec.stats.wait, duration(wait.p50) + " / " + duration(wait.p95));
    setText(rec.stats.processing, duration(run.p50) + " / " + duration(run.p95));
    var model = batch.model && batch.model.photos ? batch.model : null;
    rec.stats.model.parentNode.hidden = !model;
    rec.stats.tokens.parentNode.hidden = !model;
    setText(rec.stats.model, modelTime(model));
    setText(rec.stats.tokens, tokens(model));

    var inFlight = busy.has(rec.id);
    var b = rec.buttons;
    b.pause.hidden = final || paused;
    b.resume.hidden = final || !paused;
    b.front.hidden = final;
    b.front.disabled = inFlight || batch.position === 1;
    b.front.title = batch.position === 1 ? t("queue.alreadyFirst") : "";
    b.cancel.hidden = final;
    b.retry.hidden = !(Number(counts.failed) > 0);
    [b.pause, b.resume, b.cancel, b.retry].forEach(function (button) {
      button.disabled = inFlight;
    });

    // the photos open below: read again when its counts moved
    var countsKey = JSON.stringify(counts) + "|" + status;
    if (countsKey !== rec.countsKey) {
      rec.countsKey = countsKey;
      if (rec.open) loadPhotos(rec);
    }
  }

  // ---- a batch's photos --------------------------------------------------------------------

  function toggleDetail(rec) {
    rec.open = !rec.open;
    rec.toggle.setAttribute("aria-expanded", String(rec.open));
    setText(rec.toggle, t(rec.open ? "queue.photos.hide" : "queue.photos.show"));
    rec.li.classList.toggle("is-open", rec.open);
    rec.detail.hidden = !rec.open;
    if (rec.open) {
      if (!rec.photos) buildDetail(rec);
      loadPhotos(rec);
    }
  }

  function buildDetail(rec) {
    var status = PL.el("p", "muted small qdetail-status", t("list.loading"));
    status.setAttribute("role", "status");
    var wrap = PL.el("div", "table-wrap qdetail-wrap");
    var table = PL.el("table", "qdetail-table");
    var caption = PL.el("caption", "visually-hidden", t("queue.detail.caption", { name: rec.link.textContent }));
    table.appendChild(caption);
    var thead = PL.el("thead");
    var tr = PL.el("tr");
    [
      ["file", ""],
      ["status", ""],
      ["attempts", "num"],
      ["wait", "num"],
      ["copy", "num"],
      ["decode", "num"],
      ["detect", "num"],
      ["model", "num"],
      ["write", "num"],
      ["total", "num"],
      ["error", ""]
    ].forEach(function (col) {
      var th = PL.el("th", col[1] || null, t("queue.col." + col[0]));
      th.scope = "col";
      th.setAttribute("data-col", col[0]);
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = PL.el("tbody");
    table.appendChild(tbody);
    wrap.appendChild(table);
    rec.detail.appendChild(status);
    rec.detail.appendChild(wrap);
    var modelHead = thead.querySelector('th[data-col="model"]');
    modelHead.hidden = true; // until a photo of the batch was sent to a model
    rec.photos = {
      status: status,
      wrap: wrap,
      tbody: tbody,
      modelHead: modelHead,
      rows: new Map(),
      loading: false,
      again: false
    };
  }

  function loadPhotos(rec) {
    var photos = rec.photos;
    if (!photos) return;
    if (photos.loading) {
      photos.again = true; // one more read once this one answers: never two at once
      return;
    }
    photos.loading = true;
    photos.again = false;
    PL.fetchJson("/api/queue/batches/" + encodeURIComponent(rec.id))
      .then(function (body) {
        if (rec.open) renderPhotos(rec, Array.isArray(body.photos) ? body.photos : []);
      })
      .catch(function (err) {
        if (!rec.open) return;
        photos.status.hidden = false;
        photos.status.classList.add("is-error");
        setText(photos.status, t("queue.detail.error", { message: err.message }));
      })
      .then(function () {
        photos.loading = false;
        if (photos.again && rec.open && rows.get(rec.id) === rec) loadPhotos(rec);
      });
  }

  function renderPhotos(rec, list) {
    var photos = rec.photos;
    photos.status.classList.remove("is-error");
    photos.status.hidden = list.length > 0;
    setText(photos.status, list.length ? "" : t("photos.empty"));
    photos.wrap.hidden = list.length === 0;
    photos.asked = list.some(function (photo) {
      return !!(photo && photo.timings && photo.timings.model !== undefined);
    });
    photos.modelHead.hidden = !photos.asked;
    var seen = new Set();
    var previous = null;
    list.forEach(function (photo) {
      if (!photo || photo.id === undefined || photo.id === null) return;
      var id = String(photo.id);
      seen.add(id);
      var row = photos.rows.get(id);
      if (!row) {
        row = photoRow(id);
        photos.rows.set(id, row);
      }
      updatePhoto(row, photo);
      row.cells.model.hidden = !photos.asked;
      var wanted = previous ? previous.nextSibling : photos.tbody.firstChild;
      if (row.tr !== wanted) photos.tbody.insertBefore(row.tr, wanted);
      previous = row.tr;
    });
    photos.rows.forEach(function (row, id) {
      if (!seen.has(id)) {
        row.tr.remove();
        photos.rows.delete(id);
      }
    });
  }

  function photoRow(id) {
    var tr = PL.el("tr", "qphoto");
    tr.setAttribute("data-photo-id", id);
    var cells = {};
    ["file", "status", "attempts", "wait", "copy", "decode", "detect", "model", "write", "total", "error"].forEach(function (col) {
      var numeric = col !== "file" && col !== "status" && col !== "error";
      var cell = PL.el(col === "file" ? "th" : "td", numeric ? "num" : null);
      if (col === "file") cell.scope = "row";
      cell.setAttribute("data-col", col);
      tr.appendChild(cell);
      cells[col] = cell;
    });
    return { tr: tr, cells: cells, key: "" };
  }

  function updatePhoto(row, photo) {
    var key = JSON.stringify(photo);
    if (key === row.key) return;
    row.key = key;
    var c = row.cells;
    var status = photo.status || "PENDING";
    row.tr.setAttribute("data-status", status);
    setText(c.file, photo.fileName || "#" + photo.id);
    c.file.title = c.file.textContent;
    c.status.textContent = "";
    var tag = PL.el("span", "tag qphoto-status", t("photo." + status));
    tag.setAttribute("data-status", status);
    c.status.appendChild(tag);
    setText(c.attempts, PL.number(photo.attempts || 0));
    var timings = photo.timings || {};
    setText(c.wait, duration(timings.wait));
    STAGES.forEach(function (stage) {
      setText(c[stage], duration(timings[stage]));
    });
    setText(c.model, duration(timings.model));
    var used = timings.tokens && timings.tokens.total;
    c.model.title = used ? t("queue.fig.tokens") + (PL.lang === "fr" ? "\u00a0: " : ": ") + PL.number(used) : "";
    setText(c.total, duration(timings.total));
    c.error.textContent = "";
    if (photo.errorCode || photo.errorMessage) {
      if (photo.errorCode) c.error.appendChild(PL.el("code", "qphoto-code", photo.errorCode));
      var text = PL.photoError(photo.errorCode, photo.errorMessage);
      if (text) c.error.appendChild(PL.el("span", "qphoto-error", text));
    }
  }

  // ---- actions -----------------------------------------------------------------------------

  var ACTIONS = {
    pause: { path: "pause", done: "queue.done.pause" },
    resume: { path: "resume", done: "queue.done.resume" },
    cancel: { path: "cancel", done: "queue.done.cancel" },
    front: { path: "front", done: "queue.done.front" },
    retry: { path: "retry-failed", done: "" }
  };

  function onListClick(e) {
    var button = e.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    var li = button.closest("li.qbatch");
    var rec = li && rows.get(li.getAttribute("data-batch-id"));
    if (!rec) return;
    var action = button.getAttribute("data-action");
    if (action === "photos") {
      toggleDetail(rec);
      return;
    }
    if (action === "cancel") {
      var batch = batches.get(rec.id) || { batchId: rec.id };
      var counts = batch.counts || {};
      confirmThen(
        t("queue.confirm.cancelTitle", { name: batchLabel(batch) }),
        t("queue.confirm.cancelText", { n: PL.number(counts.queued || 0) }),
        t("queue.confirm.cancelOk"),
        function () {
          act(rec, "cancel");
        },
        button
      );
      return;
    }
    act(rec, action);
  }

  /** POST the action; the stream brings the new state, the line under the figures says it. */
  function act(rec, action) {
    var spec = ACTIONS[action];
    if (!spec || busy.has(rec.id)) return;
    var batch = batches.get(rec.id) || { batchId: rec.id };
    var label = batchLabel(batch);
    busy.add(rec.id);
    refreshRow(rec);
    post("/api/batches/" + encodeURIComponent(rec.id) + "/" + spec.path, null)
      .then(function (body) {
        var text;
        if (action === "retry") {
          text = t("action.retryFailedDone", { n: Number(body.requeued) || 0 });
        } else if (action === "cancel") {
          text = t("queue.done.cancel", { name: label, n: PL.number(body.cancelled || 0) });
        } else {
          text = t(spec.done, { name: label });
        }
        showMessage(text, false);
      })
      .catch(function (err) {
        var why = err.code === "batch_final" ? t("queue.error.final", { name: label }) : err.message;
        showMessage(t("queue.error.action", { message: why }), true);
      })
      .then(function () {
        busy.delete(rec.id);
        refreshRow(rec);
      });
  }

  function refreshRow(rec) {
    var batch = batches.get(rec.id);
    if (batch && rows.get(rec.id) === rec) updateRow(rec, batch);
  }

  /** Same-origin POST; rejects with an Error carrying the server's `code` and message. */
  function post(url, body) {
    var init = { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (answer) {
          if (res.ok) return answer || {};
          var error = (answer && answer.error) || {};
          var err = new Error(error.message || "HTTP " + res.status);
          err.code = error.code || "";
          throw err;
        });
    });
  }

  function showMessage(text, isError) {
    ui.message.hidden = !text;
    ui.message.classList.toggle("is-error", !!isError);
    setText(ui.message, text);
  }

  // -- clean finished batches

  function onClean(e) {
    e.preventDefault();
    var raw = ui.cleanDays.value.trim();
    var days = Number(raw);
    if (raw === "" || !isFinite(days) || days < 0 || days > 36500 || Math.floor(days) !== days) {
      showMessage(t("queue.clean.bad"), true);
      ui.cleanDays.focus();
      return;
    }
    confirmThen(
      t("queue.clean.title"),
      t("queue.clean.text", { n: days }),
      t("queue.clean.ok"),
      function () {
        ui.cleanOpen.disabled = true;
        post("/api/queue/clean", { olderThanDays: days })
          .then(function (body) {
            showMessage(t("queue.clean.done", { n: Number(body.deleted) || 0 }), false);
          })
          .catch(function (err) {
            showMessage(t("queue.error.action", { message: err.message }), true);
          })
          .then(function () {
            ui.cleanOpen.disabled = false;
          });
      },
      ui.cleanOpen
    );
  }

  // -- the confirmation dialog

  function confirmThen(title, text, okLabel, run, returnFocus) {
    pendingConfirm = { run: run, returnFocus: returnFocus };
    setText(ui.dialogTitle, title);
    setText(ui.dialogText, text);
    setText(ui.dialogOk, okLabel);
    ui.dialog.showModal();
    ui.dialogBack.focus(); // the safe choice first
  }

  function closeConfirm(ok) {
    var pending = pendingConfirm;
    pendingConfirm = null;
    if (ui.dialog.open) ui.dialog.close();
    if (!pending) return;
    if (ok) pending.run();
    if (pending.returnFocus && document.contains(pending.returnFocus) && !pending.returnFocus.hidden) {
      pending.returnFocus.focus();
    }
  }

  // ---- start -------------------------------------------------------------------------------

  function start() {
    PL.applyI18n(document);
    document.title = t("queue.title") + " — PhotoLot";
    ui.reload.addEventListener("click", stream.reload);
    ui.list.addEventListener("click", onListClick);
    ui.cleanForm.addEventListener("submit", onClean);
    ui.dialogBack.addEventListener("click", function () {
      closeConfirm(false);
    });
    ui.dialogOk.addEventListener("click", function () {
      closeConfirm(true);
    });
    ui.dialog.addEventListener("cancel", function () {
      pendingConfirm = null; // Esc
    });
    ui.dialog.addEventListener("click", function (e) {
      if (e.target !== ui.dialog) return;
      var box = ui.dialog.getBoundingClientRect();
      var inside = e.clientX >= box.left && e.clientX <= box.right && e.clientY >= box.top && e.clientY <= box.bottom;
      if (!inside) closeConfirm(false); // a click on the backdrop
    });
    global.addEventListener("pageshow", function (e) {
      if (e.persisted && !stream.open()) stream.reload(); // back from the bfcache
    });
    global.addEventListener("pagehide", function (e) {
      if (e.persisted) stream.close();
    });
    global.addEventListener("online", function () {
      var state = stream.state();
      if (state === "reconnecting" || state === "offline") stream.reload();
    });
    stream.connect();
  }

  start();
})(window);
