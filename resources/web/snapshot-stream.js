/* A stream of whole snapshots (the start page's list, the queue page's dashboard) followed
 * with the pages' reconnection rules, once for both:
 *
 *   var stream = SnapshotStream.follow({
 *     url: "/api/queue/stream", event: "queue",
 *     readUrl: "/api/queue",                  // the same state by a plain GET
 *     onSnapshot: function (body) {...},       // each `event` or read, parsed (null: not JSON)
 *     onReadStart: function () {...},          // optional: a plain GET is on its way
 *     onReadError: function (message) {...},   // a plain GET that failed
 *     onState: function (name) {...}           // connecting | live | reconnecting | offline
 *   });
 *   stream.connect(); stream.reload(); stream.readOnce(); stream.close(); stream.state()
 *
 * No polling: `ping` after silence keeps it live, `timeout` (the server closes) reconnects at
 * once, a lost stream is reopened with backoff (BatchState.backoffDelay, 5 attempts), a first
 * connection that fails is followed by one `readOnce()` (to show something, or learn that
 * reconnecting cannot help), and a stream silent for three pings is taken for dead. */
(function (global) {
  "use strict";

  var STALL_MS = 45000; // three missed 15 s pings: the connection is dead even if it looks open

  function follow(options) {
    var BS = global.BatchState;
    var source = null;
    var attempts = 0; // failed connections in a row; reset by any event
    var reconnectTimer = 0;
    var stallTimer = 0;
    var everLive = false; // a snapshot arrived at least once
    var state = "connecting";
    var snapshots = 0; // events received: a plain read answered meanwhile is older
    var readRequest = 0;

    function setState(name) {
      state = name;
      options.onState(name);
    }

    function connect() {
      global.clearTimeout(reconnectTimer);
      reconnectTimer = 0;
      closeStream();
      if (state !== "reconnecting") setState("connecting");
      var es = new EventSource(options.url);
      source = es;
      es.addEventListener("open", function () {
        if (es === source) armStallTimer();
      });
      es.addEventListener(options.event, function (e) {
        if (es !== source) return;
        onEvent();
        snapshots += 1;
        options.onSnapshot(parse(e.data));
      });
      es.addEventListener("ping", function () {
        if (es === source) onEvent();
      });
      es.addEventListener("timeout", function () {
        if (es !== source) return;
        closeStream(); // the server closes after `timeout`: come back at once
        attempts = 0;
        connect();
      });
      // a lost connection (a plain Event), or a named `error` event from the server
      es.addEventListener("error", function () {
        if (es !== source) return;
        closeStream(); // no automatic EventSource reconnect: ours has backoff and a limit
        if (!everLive && attempts === 0) probe();
        else scheduleReconnect();
      });
      armStallTimer();
    }

    function parse(data) {
      try {
        return JSON.parse(data);
      } catch (err) {
        return null;
      }
    }

    function closeStream() {
      global.clearTimeout(stallTimer);
      stallTimer = 0;
      if (source) {
        source.close();
        source = null;
      }
    }

    function armStallTimer() {
      global.clearTimeout(stallTimer);
      stallTimer = global.setTimeout(function () {
        if (!source) return;
        closeStream();
        scheduleReconnect();
      }, STALL_MS);
    }

    function onEvent() {
      attempts = 0;
      everLive = true;
      armStallTimer();
      if (state !== "live") setState("live");
    }

    /** The first connection failed: read once, then back off and retry (or stop when the
     * answer says reconnecting cannot help: signed out). */
    function probe() {
      attempts = 1;
      setState("reconnecting");
      readOnce().then(function (fatal) {
        if (source || reconnectTimer) return; // Reload was pressed meanwhile
        if (fatal) {
          giveUp();
          return;
        }
        attempts = 0;
        scheduleReconnect();
      });
    }

    function scheduleReconnect() {
      attempts += 1;
      if (attempts > BS.MAX_RECONNECTS) {
        giveUp();
        return;
      }
      setState("reconnecting");
      reconnectTimer = global.setTimeout(connect, BS.backoffDelay(attempts));
    }

    /** The stream failed for good: the page says so and offers Reload. */
    function giveUp() {
      global.clearTimeout(reconnectTimer);
      reconnectTimer = 0;
      closeStream();
      setState("offline");
    }

    /** Reload (offered once the stream failed for good): read once, then the stream again. */
    function reload() {
      attempts = 0;
      readOnce();
      connect();
    }

    /** One plain GET of the same state. Resolves with the error's message when the sign-in
     * is the problem (401 / 403: reconnecting will not help), else with null. */
    function readOnce() {
      var request = ++readRequest;
      var before = snapshots;
      if (options.onReadStart) options.onReadStart();
      return global.PL.fetchJson(options.readUrl).then(
        function (body) {
          if (request === readRequest && snapshots === before) options.onSnapshot(body);
          return null;
        },
        function (err) {
          if (request !== readRequest) return null;
          options.onReadError(err.message);
          return err.status === 401 || err.status === 403 ? err.message : null;
        }
      );
    }

    return {
      connect: connect,
      reload: reload,
      readOnce: readOnce,
      close: closeStream,
      state: function () {
        return state;
      },
      open: function () {
        return source !== null;
      }
    };
  }

  global.SnapshotStream = { follow: follow, STALL_MS: STALL_MS };
})(window);
