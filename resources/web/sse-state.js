/* The batch page's state and how stream events change it. No DOM, no network:
 * merge functions the page (and the browser tests) call directly.
 *
 *   var state = BatchState.create(12);
 *   var change = BatchState.apply(state, payload);   // payload of a progress/complete event
 *   change.changed   → ids of photos whose row must be redrawn
 *   change.full      → a snapshot replaced everything (change.removed: ids that are gone)
 */
(function (global) {
  "use strict";

  var FINAL = { COMPLETED: true, PARTIAL: true, FAILED: true, CANCELLED: true };
  var COUNT_KEYS = ["queued", "processing", "completed", "failed", "total"];
  var META_KEYS = ["project", "createdAt", "skipped", "notices", "review"];

  function create(batchId) {
    return {
      batchId: batchId,
      status: null,
      progress: 0,
      counts: { queued: 0, processing: 0, completed: 0, failed: 0, total: 0 },
      photos: new Map(), // id → photo payload (merged)
      order: [], // photo ids in display order (the snapshot's order, then arrivals)
      inventorySummary: null,
      project: null,
      createdAt: null,
      skipped: [],
      notices: [],
      review: {}, // the batch's name, move header, undo / redo (corrections)
      hasSnapshot: false
    };
  }

  function isFinal(status) {
    return FINAL[status] === true;
  }

  function normaliseCounts(counts) {
    var out = {};
    COUNT_KEYS.forEach(function (key) {
      var value = Number(counts && counts[key]);
      out[key] = isFinite(value) && value > 0 ? Math.floor(value) : 0;
    });
    // "cancelled" only when some are (as the server sends it)
    var cancelled = Number(counts && counts.cancelled);
    if (isFinite(cancelled) && cancelled > 0) out.cancelled = Math.floor(cancelled);
    if (!out.total) out.total = out.queued + out.processing + out.completed + out.failed + (out.cancelled || 0);
    return out;
  }

  function copy(photo) {
    var out = {};
    for (var key in photo) if (Object.prototype.hasOwnProperty.call(photo, key)) out[key] = photo[key];
    return out;
  }

  /**
   * Merge one `progress` or `complete` payload into `state` (in place).
   * A payload with "snapshot": true replaces the photo list; any other payload carries only
   * the photos that changed, merged by id. Counts, status and progress are taken from every
   * payload that has them: the server computed them, the client never recounts.
   */
  function apply(state, payload) {
    var change = {
      changed: [],
      removed: [],
      full: false,
      metaChanged: false,
      summaryChanged: false,
      previousStatus: state.status,
      statusChanged: false
    };
    if (!payload || typeof payload !== "object") return change;

    if (payload.snapshot === true && Array.isArray(payload.photos)) {
      var fresh = new Map();
      var order = [];
      payload.photos.forEach(function (photo) {
        if (!photo || photo.id === undefined || photo.id === null) return;
        if (!fresh.has(photo.id)) order.push(photo.id);
        fresh.set(photo.id, copy(photo));
      });
      state.photos.forEach(function (_photo, id) {
        if (!fresh.has(id)) change.removed.push(id);
      });
      state.photos = fresh;
      state.order = order;
      state.hasSnapshot = true;
      change.full = true;
      change.changed = order.slice();
    } else if (Array.isArray(payload.photos)) {
      payload.photos.forEach(function (photo) {
        if (!photo || photo.id === undefined || photo.id === null) return;
        var existing = state.photos.get(photo.id);
        if (existing) {
          for (var key in photo) if (Object.prototype.hasOwnProperty.call(photo, key)) existing[key] = photo[key];
        } else {
          state.photos.set(photo.id, copy(photo));
          state.order.push(photo.id);
        }
        change.changed.push(photo.id);
      });
    }

    if (payload.counts) state.counts = normaliseCounts(payload.counts);
    if (typeof payload.progress === "number" && isFinite(payload.progress)) {
      state.progress = Math.max(0, Math.min(100, Math.floor(payload.progress)));
    }
    if (typeof payload.status === "string" && payload.status) state.status = payload.status;
    if (payload.batchId !== undefined && payload.batchId !== null) state.batchId = payload.batchId;
    if (Object.prototype.hasOwnProperty.call(payload, "inventorySummary")) {
      state.inventorySummary = payload.inventorySummary || null;
      change.summaryChanged = true;
    }
    META_KEYS.forEach(function (key) {
      if (payload[key] !== undefined) {
        state[key] = payload[key];
        change.metaChanged = true;
      }
    });
    change.statusChanged = state.status !== change.previousStatus;
    return change;
  }

  /** Photos processed, failed included: what the percentage counts. */
  function processed(state) {
    return state.counts.completed + state.counts.failed;
  }

  /**
   * Reconnection delay for attempt n (1-based): 1 s, 2 s, 4 s, 8 s, 16 s… capped at 30 s,
   * with ±20 % jitter so many pages do not come back at the same instant.
   */
  function backoffDelay(attempt, random) {
    var r = typeof random === "number" ? random : Math.random();
    var base = Math.min(1000 * Math.pow(2, Math.max(0, attempt - 1)), 30000);
    var jittered = base * (0.8 + 0.4 * r);
    return Math.round(Math.max(500, Math.min(30000, jittered)));
  }

  /** The stream's URL; a new EventSource made by the page carries the last id in the query. */
  function streamUrl(batchId, lastEventId) {
    // follow=1: a finished batch's stream stays open, for the corrections made later
    var url = "/api/batches/" + encodeURIComponent(batchId) + "/stream?follow=1";
    if (lastEventId) url += "&lastEventId=" + encodeURIComponent(lastEventId);
    return url;
  }

  global.BatchState = {
    create: create,
    apply: apply,
    isFinal: isFinal,
    processed: processed,
    backoffDelay: backoffDelay,
    streamUrl: streamUrl,
    MAX_RECONNECTS: 5
  };
})(window);
