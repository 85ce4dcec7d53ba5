/* The batch page's review: the mover corrects the inventory by hand.
 *
 * Every edit is one POST to /api/batches/{id}/corrections (or /undo, /redo); the page
 * changes only when the stream event that follows arrives (batch.js merges it: the
 * corrected photos, `inventorySummary` and `review`). A refused edit (400/404/409) is
 * said in the page's message style and nothing else changes: the controls are redrawn
 * from the state, which still holds the previous values.
 *
 *   Review.setUp({batchId, state, changed, delivered})   once, at start
 *   Review.render(state)                  title, undo / redo, move header, selection bar
 *   Review.roomHead / lineCells / roomActions   the inventory table's editing controls
 *   Review.extendRow(li) / updateRow(li, photo)  each photo's pick box and tools
 *   Review.isEditing()                     true while an editor is open (no redraw under it)
 *
 * Everything a person typed is put on the page with textContent or .value, never as HTML.
 */
(function (global) {
  "use strict";

  var PL = global.PL;
  var t = PL.t;
  var setText = PL.setText;
  var ROOM_TYPES = [
    "living_room", "bedroom", "kitchen", "bathroom", "dining_room", "office", "hall",
    "kids_room", "storage", "laundry", "garage", "cellar", "attic", "garden", "unknown"
  ];
  var HEADER_TEXT = ["customer", "date", "fromAddress", "fromFloor", "toAddress", "toFloor", "notes"];
  var HEADER_LIFT = ["fromLift", "toLift"];
  var SEARCH_DELAY_MS = 150;
  var SEARCH_LIMIT = 30;

  var ctx = null; // {batchId, state, changed(), delivered()}
  var rooms = new Map(); // room key → {roomType, roomName}, from the last drawn summary
  var lines = new Map(); // room key + "\n" + label → the summary's item line
  var renaming = null; // the room key whose name is being edited
  var adding = null; // {key, query, custom} while a room's "add an item" panel is open
  var selection = new Set(); // photo ids picked in the list
  var lastPicked = null;
  var headerDirty = false;
  var searchTimer = 0;
  var searchSeq = 0;

  function $(id) {
    return global.document.getElementById(id);
  }

  function roomKey(room) {
    return (room.roomType || "unknown") + "|" + (room.roomName || "");
  }

  function roomRef(room) {
    return { roomType: room.roomType || "unknown", roomName: room.roomName || null };
  }

  /** "Chambre 2 · Bedroom" for a named room whose type says something else; else its name. */
  function roomTitle(room) {
    var name = PL.roomDisplay(room.roomType, room.roomName);
    var type = PL.roomLabel(room.roomType);
    return room.roomName && type.toLowerCase() !== String(room.roomName).trim().toLowerCase() ? name + " · " + type : name;
  }

  function button(className, text, label) {
    var node = PL.el("button", className, text);
    node.type = "button";
    if (label) {
      node.setAttribute("aria-label", label);
      node.title = label;
    }
    return node;
  }

  function option(value, text, selected) {
    var node = PL.el("option", null, text);
    node.value = value;
    if (selected) node.selected = true;
    return node;
  }

  // ---- talking to the server -------------------------------------------------------------

  function post(path, body) {
    var init = { method: "POST" };
    if (body) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    return send(path, init);
  }

  /** Resolves with the answer, or with null once the refusal is shown (and the controls redrawn). */
  function send(path, init) {
    global.document.body.classList.add("is-saving");
    return PL.fetchJson("/api/batches/" + encodeURIComponent(ctx.batchId) + path, init)
      .then(
        function (body) {
          showMessage("");
          ctx.delivered(); // the stream brings the change (reopened if it had ended)
          return body;
        },
        function (err) {
          showMessage(t("review.refused", { message: err.message }), true);
          ctx.changed(); // back to what the state says
          return null;
        }
      )
      .then(function (body) {
        global.document.body.classList.remove("is-saving");
        return body;
      });
  }

  function correct(kind, data) {
    return post("/corrections", Object.assign({ kind: kind }, data));
  }

  /** The page's message; inside the photo viewer while it is open (a modal dialog: the
   * page's own message would sit behind it). */
  function showMessage(text, isError) {
    var viewer = $("viewer");
    var inViewer = !!text && !!viewer && viewer.open;
    [["review-message", !inViewer], ["viewer-message", inViewer]].forEach(function (pair) {
      var box = $(pair[0]);
      if (!box) return;
      var shown = !!text && pair[1];
      box.hidden = !shown;
      box.classList.toggle("is-error", shown && !!isError);
      setText($(pair[0] + "-text"), shown ? text : "");
    });
  }

  /** Catalogue items matching `query`, ranked for the page's language (a Promise). */
  function catalogue(query) {
    var url = "/api/catalogue?limit=" + SEARCH_LIMIT + "&q=" + encodeURIComponent(String(query || "").trim());
    return PL.fetchJson(url).then(function (body) {
      return ranked(body.items || [], query);
    });
  }

  // ---- title, undo / redo, delete ----------------------------------------------------------

  function kindLabel(step) {
    if (!step) return "";
    var data = step.data || {};
    if (step.kind === "photo.exclude" && data.excluded === false) return t("step.photo.include");
    if (step.kind === "room.item" && data.quantity === 0) return t("step.room.itemRemove");
    return t("step." + step.kind);
  }

  function renderHistory(review) {
    [["undo", review.undo], ["redo", review.redo]].forEach(function (pair) {
      var node = $(pair[0]);
      var what = kindLabel(pair[1]);
      node.disabled = !pair[1];
      setText($(pair[0] + "-label"), what ? t("review." + pair[0] + "What", { what: what }) : t("review." + pair[0]));
      node.title = t("review." + pair[0] + "Key");
    });
    var count = Number(review.corrections) || 0;
    setText($("review-count"), count ? t("review.count", { n: count }) : "");
  }

  function renderTitle(review) {
    var name = review && review.name;
    $("batch-title-text").hidden = !!name;
    var node = $("batch-name");
    node.hidden = !name;
    setText(node, name || "");
  }

  function step(which) {
    var review = ctx.state.review || {};
    if (!review[which]) return;
    post("/" + which);
  }

  function onKey(e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    var key = e.key.toLowerCase();
    if (key !== "z" && key !== "y") return;
    var target = e.target;
    var typing = target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox"));
    if (typing || global.document.body.classList.contains("has-modal")) return; // the field's own undo
    e.preventDefault();
    step(key === "y" || e.shiftKey ? "redo" : "undo");
  }

  function askDelete() {
    var dialog = $("delete-dialog");
    var name = (ctx.state.review && ctx.state.review.name) || t("batch.docTitle", { id: ctx.batchId });
    setText($("delete-title"), t("review.deleteTitle", { id: ctx.batchId }));
    setText($("delete-text"), t("review.deleteText", { name: name, n: ctx.state.counts.total }));
    dialog.showModal();
    $("delete-cancel").focus();
  }

  function confirmDelete() {
    var confirmButton = $("delete-confirm");
    confirmButton.disabled = true;
    send("", { method: "DELETE" }).then(function (body) {
      confirmButton.disabled = false;
      $("delete-dialog").close();
      if (body) global.location.assign("/");
    });
  }

  // ---- the batch's name ---------------------------------------------------------------------

  function openBatchRename() {
    var input = $("batch-rename-input");
    input.value = (ctx.state.review && ctx.state.review.name) || "";
    $("batch-rename-form").hidden = false;
    $("batch-title").hidden = true;
    $("rename-batch").hidden = true;
    input.focus();
    input.select();
  }

  function closeBatchRename() {
    $("batch-rename-form").hidden = true;
    $("batch-title").hidden = false;
    $("rename-batch").hidden = false;
  }

  function saveBatchRename(e) {
    e.preventDefault();
    var name = $("batch-rename-input").value;
    if (name.trim() === ((ctx.state.review && ctx.state.review.name) || "")) {
      closeBatchRename();
      return;
    }
    correct("batch.rename", { name: name }).then(function (body) {
      if (body) closeBatchRename();
    });
  }

  // ---- the move header ---------------------------------------------------------------------

  function renderHeader(review) {
    $("move").hidden = !ctx.state.hasSnapshot;
    if (headerDirty) return;
    var header = (review && review.header) || {};
    HEADER_TEXT.forEach(function (name) {
      var input = $("move-" + name);
      var value = header[name] === null || header[name] === undefined ? "" : String(header[name]);
      if (input.value !== value) input.value = value;
    });
    HEADER_LIFT.forEach(function (name) {
      var value = header[name] === true ? "yes" : header[name] === false ? "no" : "";
      $("move-" + name).value = value;
    });
    $("move-save").disabled = true;
    $("move-reset").disabled = true;
  }

  function headerChanges() {
    var header = (ctx.state.review && ctx.state.review.header) || {};
    var changes = {};
    HEADER_TEXT.forEach(function (name) {
      var value = $("move-" + name).value.trim() || null;
      if (value !== (header[name] || null)) changes[name] = value;
    });
    HEADER_LIFT.forEach(function (name) {
      var raw = $("move-" + name).value;
      var value = raw === "yes" ? true : raw === "no" ? false : null;
      var old = header[name] === true || header[name] === false ? header[name] : null;
      if (value !== old) changes[name] = value;
    });
    return changes;
  }

  function onHeaderInput() {
    headerDirty = true;
    var any = Object.keys(headerChanges()).length > 0;
    $("move-save").disabled = !any;
    $("move-reset").disabled = false;
  }

  function saveHeader(e) {
    e.preventDefault();
    var changes = headerChanges();
    if (!Object.keys(changes).length) return;
    $("move-save").disabled = true;
    correct("batch.header", changes).then(function (body) {
      if (body) resetHeader();
      else $("move-save").disabled = false; // still what the person typed: let them fix it
    });
  }

  function resetHeader() {
    headerDirty = false;
    renderHeader(ctx.state.review);
  }

  // ---- the inventory table -----------------------------------------------------------------

  /** Called once per drawn summary, before its rooms: the rooms and lines the controls name. */
  function beginSummary(summaryRooms) {
    rooms.clear();
    lines.clear();
    summaryRooms.forEach(function (room) {
      var key = roomKey(room);
      rooms.set(key, roomRef(room));
      (Array.isArray(room.items) ? room.items : []).forEach(function (line) {
        lines.set(key + "\n" + line.label, line);
      });
    });
  }

  /** The room row's first cell: its name (the fold button) and a rename button, or the editor. */
  function roomHead(th, toggle, room) {
    var key = roomKey(room);
    var head = PL.el("div", "room-head");
    head.appendChild(toggle);
    if (renaming === key) {
      toggle.hidden = true;
      head.appendChild(renameForm(room));
    } else {
      var rename = button("icon-btn room-rename", "✎", t("review.renameRoom", { name: PL.roomDisplay(room.roomType, room.roomName) }));
      rename.setAttribute("data-room-key", key);
      rename.setAttribute("data-focus-key", "rename|" + key);
      head.appendChild(rename);
    }
    th.appendChild(head);
  }

  function renameForm(room) {
    var form = PL.el("form", "inline-edit room-rename-form");
    form.setAttribute("data-room-key", roomKey(room));
    var input = PL.el("input", "input input-small");
    input.name = "name";
    input.maxLength = 100;
    input.required = true;
    input.value = PL.roomDisplay(room.roomType, room.roomName);
    input.setAttribute("aria-label", t("review.roomName"));
    form.appendChild(input);
    var save = PL.el("button", "btn btn-small btn-primary", t("review.save"));
    save.type = "submit";
    form.appendChild(save);
    form.appendChild(button("btn btn-small btn-ghost rename-cancel", t("review.cancel")));
    return form;
  }

  /** An item line: its source and detected count beside the name, the flags, the quantity stepper. */
  function lineCells(row, room, line) {
    var key = roomKey(room);
    row.setAttribute("data-room-key", key);
    var name = row.children[0];
    if (line.source === "hand" || line.source === "corrected") {
      var source = PL.el("span", "tag tag-item tag-source", t("source." + line.source));
      source.setAttribute("data-kind", line.source);
      name.appendChild(source);
    }
    var detected = Number(line.detectedQuantity);
    var shown = line.source === "corrected" || detected > 0; // "added by hand" already says 0
    if (shown && isFinite(detected) && detected !== Number(line.quantity)) {
      name.appendChild(PL.el("span", "detected muted", t("review.detected", { n: PL.number(detected) })));
    }
    if (line.notMoving) {
      var gone = PL.el("span", "tag tag-item", t("notMoving." + line.notMoving));
      gone.setAttribute("data-kind", "not-moving");
      name.appendChild(gone);
      row.classList.add("is-not-moving");
    }
    name.appendChild(lineTools(key, line));
    var cell = row.children[2];
    cell.textContent = "";
    cell.appendChild(stepper(key, line));
  }

  function lineTools(key, line) {
    var tools = PL.el("div", "line-tools");
    ["fragile", "dismountable"].forEach(function (flag) {
      var toggle = button("chip chip-small flag-toggle", t("item." + flag));
      toggle.setAttribute("data-flag", flag);
      toggle.setAttribute("aria-pressed", String(!!line[flag]));
      toggle.setAttribute("data-focus-key", flag + "|" + key + "|" + line.label);
      tools.appendChild(toggle);
    });
    if (line.builtIn) return tools; // a built-in item never moves: nothing more to say
    var selects = PL.el("span", "line-selects"); // they wrap together, under the flags
    var moving = PL.el("select", "select select-small not-moving");
    moving.setAttribute("aria-label", t("review.notMovingLabel"));
    moving.setAttribute("data-focus-key", "moving|" + key + "|" + line.label);
    moving.appendChild(option("", t("notMoving.moving"), !line.notMoving));
    ["sold", "given", "stays"].forEach(function (value) {
      moving.appendChild(option(value, t("notMoving." + value), line.notMoving === value));
    });
    selects.appendChild(moving);
    var packer = PL.el("select", "select select-small packed-by");
    packer.setAttribute("aria-label", t("review.packedByLabel"));
    packer.setAttribute("data-focus-key", "packer|" + key + "|" + line.label);
    ["mover", "customer"].forEach(function (value) {
      packer.appendChild(option(value, t("packedBy." + value), (line.packedBy || "mover") === value));
    });
    selects.appendChild(packer);
    tools.appendChild(selects);
    return tools;
  }

  function stepper(key, line) {
    var box = PL.el("div", "stepper");
    var name = lineName(line);
    var less = button("stepper-btn", "−", t("review.less", { name: name }));
    less.setAttribute("data-step", "-1");
    less.setAttribute("data-focus-key", "less|" + key + "|" + line.label);
    var input = PL.el("input", "qty-input");
    input.type = "number";
    input.min = "0";
    input.max = "1000";
    input.step = "1";
    input.inputMode = "numeric";
    input.value = String(line.quantity);
    input.defaultValue = String(line.quantity);
    input.setAttribute("aria-label", t("review.quantity", { name: name }));
    input.setAttribute("data-focus-key", "qty|" + key + "|" + line.label);
    var more = button("stepper-btn", "+", t("review.oneMore", { name: name }));
    more.setAttribute("data-step", "1");
    more.setAttribute("data-focus-key", "more|" + key + "|" + line.label);
    box.appendChild(less);
    box.appendChild(input);
    box.appendChild(more);
    return box;
  }

  function lineName(line) {
    var name = PL.lang === "fr" ? line.fr : line.en;
    return name || String(line.label || "");
  }

  /** The row under a room's lines: add an item, merge into another room (and the add panel). */
  function roomActions(room, allRooms, open) {
    var key = roomKey(room);
    var tr = PL.el("tr", "item-row room-actions-row");
    tr.hidden = !open;
    tr.setAttribute("data-room-key", key);
    var cell = PL.el("td", "room-actions");
    cell.colSpan = 5;
    var bar = PL.el("div", "room-actions-bar");
    var add = button("btn btn-small add-item-open", "+ " + t("review.addItem"));
    add.setAttribute("aria-expanded", String(!!adding && adding.key === key));
    add.setAttribute("data-focus-key", "add|" + key);
    bar.appendChild(add);
    var others = allRooms.filter(function (other) {
      return roomKey(other) !== key;
    });
    if (others.length) {
      var merge = PL.el("select", "select select-small merge-room");
      merge.setAttribute("aria-label", t("review.mergeLabel", { name: PL.roomDisplay(room.roomType, room.roomName) }));
      merge.setAttribute("data-focus-key", "merge|" + key);
      merge.appendChild(option("", t("review.mergeInto"), true));
      bar.appendChild(merge); // the other rooms are listed when it is opened (fillMerge)
    }
    cell.appendChild(bar);
    if (adding && adding.key === key) cell.appendChild(addPanel(key));
    tr.appendChild(cell);
    return tr;
  }

  function addPanel(key) {
    var panel = PL.el("div", "add-panel");
    var search = PL.el("form", "add-search");
    var input = PL.el("input", "input catalogue-search");
    input.type = "search";
    input.autocomplete = "off";
    input.value = adding.query;
    input.placeholder = t("review.searchPlaceholder");
    input.setAttribute("aria-label", t("review.searchLabel"));
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", "catalogue-results");
    input.setAttribute("aria-expanded", "true");
    search.appendChild(input);
    var count = PL.el("input", "input qty-new");
    count.type = "number";
    count.min = "1";
    count.max = "1000";
    count.value = "1";
    count.setAttribute("aria-label", t("review.addQuantity"));
    search.appendChild(count);
    search.appendChild(button("btn btn-small btn-ghost add-close", t("review.close")));
    panel.appendChild(search);
    var results = PL.el("ul", "catalogue-results");
    results.id = "catalogue-results";
    results.setAttribute("role", "listbox");
    results.setAttribute("aria-label", t("review.results"));
    panel.appendChild(results);
    var own = button("link-btn custom-open", t("review.customOpen"));
    own.setAttribute("aria-expanded", String(adding.custom));
    panel.appendChild(own);
    if (adding.custom) panel.appendChild(customForm());
    panel.setAttribute("data-room-key", key);
    return panel;
  }

  function customForm() {
    var form = PL.el("form", "custom-form");
    form.noValidate = true; // the server checks, and says what is wrong in the page's words
    var name = PL.el("input", "input custom-name");
    name.maxLength = 100;
    name.required = true;
    name.placeholder = t("review.customName");
    name.setAttribute("aria-label", t("review.customName"));
    var volume = PL.el("input", "input custom-volume");
    volume.type = "number";
    volume.step = "any";
    volume.required = true;
    volume.placeholder = t("review.customVolume");
    volume.setAttribute("aria-label", t("review.customVolume"));
    var save = PL.el("button", "btn btn-small btn-primary", t("review.add"));
    save.type = "submit";
    form.appendChild(name);
    form.appendChild(volume);
    form.appendChild(PL.el("span", "muted small", "m³"));
    form.appendChild(save);
    return form;
  }

  function search(panel) {
    var input = panel.querySelector(".catalogue-search");
    adding.query = input.value;
    global.clearTimeout(searchTimer);
    var seq = ++searchSeq;
    searchTimer = global.setTimeout(function () {
      var url = "/api/catalogue?limit=" + SEARCH_LIMIT + "&q=" + encodeURIComponent(input.value.trim());
      PL.fetchJson(url)
        .then(function (body) {
          if (seq === searchSeq) showResults(panel, ranked(body.items || [], input.value));
        })
        .catch(function (err) {
          showMessage(t("review.refused", { message: err.message }), true);
        });
    }, SEARCH_DELAY_MS);
  }

  function fold(text) {
    return String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  /** Names starting with what was typed first, the page's language before the other (the
   * server matches names in both languages and aliases, in its own order). */
  function ranked(items, query) {
    var needle = fold(query);
    var other = PL.lang === "fr" ? "en" : "fr";
    var rank = function (item) {
      if (needle && fold(item[PL.lang]).indexOf(needle) === 0) return 0;
      if (needle && fold(item[other]).indexOf(needle) === 0) return 1;
      return 2;
    };
    return items
      .map(function (item, index) {
        return { item: item, key: rank(item) * 1000 + index };
      })
      .sort(function (a, b) {
        return a.key - b.key;
      })
      .map(function (entry) {
        return entry.item;
      });
  }

  function showResults(panel, items) {
    var list = panel.querySelector(".catalogue-results");
    list.textContent = "";
    if (!items.length) {
      list.appendChild(PL.el("li", "catalogue-empty muted small", t("review.noResult")));
      return;
    }
    items.forEach(function (item, index) {
      list.appendChild(PL.catalogueOption(item, index === 0));
    });
  }

  function addFromCatalogue(panel, label) {
    var key = panel.getAttribute("data-room-key");
    var count = Math.floor(Number(panel.querySelector(".qty-new").value)) || 1;
    var line = lines.get(key + "\n" + label);
    var quantity = (line ? Number(line.quantity) || 0 : 0) + count;
    correct("room.item", { room: rooms.get(key), label: label, quantity: quantity }).then(closeAddAfter);
  }

  function addCustom(panel) {
    var key = panel.getAttribute("data-room-key");
    var count = Math.floor(Number(panel.querySelector(".qty-new").value)) || 1;
    correct("room.item", {
      room: rooms.get(key),
      name: panel.querySelector(".custom-name").value,
      volume_m3: Number(panel.querySelector(".custom-volume").value),
      quantity: count
    }).then(closeAddAfter);
  }

  function closeAddAfter(body) {
    if (!body) return;
    adding = null;
    ctx.changed();
  }

  /** The merge menu's rooms, put in when it gets focus or a press: until then the room's
   * rows do not carry the other rooms' names (a search of the page for a room finds it alone). */
  function fillMerge(e) {
    var select = e.target;
    if (!select.classList || !select.classList.contains("merge-room") || select.options.length > 1) return;
    var key = select.closest("tr").getAttribute("data-room-key");
    rooms.forEach(function (room, other) {
      if (other !== key) select.appendChild(option(other, roomTitle(room)));
    });
  }

  function lineOf(node) {
    var row = node.closest("tr.item-row[data-label]");
    if (!row) return null;
    var key = row.getAttribute("data-room-key");
    var label = row.getAttribute("data-label");
    return { key: key, room: rooms.get(key), label: label, line: lines.get(key + "\n" + label) };
  }

  function setQuantity(where, value) {
    correct("room.item", { room: where.room, label: where.label, quantity: value });
  }

  function onTableClick(e) {
    var target = e.target;
    var node;
    if ((node = target.closest(".room-rename"))) {
      renaming = node.getAttribute("data-room-key");
      adding = null;
      ctx.changed(true);
      var input = global.document.querySelector(".room-rename-form input");
      if (input) {
        input.focus();
        input.select();
      }
    } else if (target.closest(".rename-cancel")) {
      renaming = null;
      ctx.changed(true);
    } else if ((node = target.closest(".add-item-open"))) {
      var key = node.closest("tr").getAttribute("data-room-key");
      adding = adding && adding.key === key ? null : { key: key, query: "", custom: false };
      renaming = null;
      ctx.changed(true);
      var box = global.document.querySelector(".add-panel .catalogue-search");
      if (box) box.focus();
    } else if (target.closest(".add-close")) {
      adding = null;
      ctx.changed(true);
    } else if (target.closest(".custom-open")) {
      adding.custom = !adding.custom;
      ctx.changed(true);
      var own = global.document.querySelector(".custom-form .custom-name");
      if (own) own.focus();
    } else if ((node = target.closest(".catalogue-result"))) {
      addFromCatalogue(node.closest(".add-panel"), node.getAttribute("data-label"));
    } else if ((node = target.closest(".stepper-btn"))) {
      var where = lineOf(node);
      if (where && where.line) setQuantity(where, Math.max(0, Number(where.line.quantity) + Number(node.getAttribute("data-step"))));
    } else if ((node = target.closest(".flag-toggle"))) {
      var at = lineOf(node);
      var flag = node.getAttribute("data-flag");
      var data = { room: at.room, label: at.label };
      data[flag] = node.getAttribute("aria-pressed") !== "true";
      correct("room.flags", data);
    }
  }

  function onTableChange(e) {
    var target = e.target;
    if (target.classList.contains("qty-input")) {
      var where = lineOf(target);
      var text = target.value.trim();
      if (!text) {
        target.value = target.defaultValue;
        return;
      }
      setQuantity(where, Number(text));
    } else if (target.classList.contains("not-moving") || target.classList.contains("packed-by")) {
      var at = lineOf(target);
      var data = { room: at.room, label: at.label };
      if (target.classList.contains("not-moving")) data.notMoving = target.value || null;
      else data.packedBy = target.value;
      correct("room.flags", data);
    } else if (target.classList.contains("merge-room") && target.value) {
      var key = target.closest("tr").getAttribute("data-room-key");
      correct("room.merge", { room: rooms.get(key), into: rooms.get(target.value) });
    }
  }

  function onTableSubmit(e) {
    var form = e.target;
    e.preventDefault();
    if (form.classList.contains("room-rename-form")) {
      var key = form.getAttribute("data-room-key");
      correct("room.rename", { room: rooms.get(key), name: form.elements.name.value }).then(function (body) {
        if (!body) return;
        renaming = null;
        ctx.changed();
      });
    } else if (form.classList.contains("add-search")) {
      var first = form.closest(".add-panel").querySelector('.catalogue-result[aria-selected="true"]');
      if (first) addFromCatalogue(form.closest(".add-panel"), first.getAttribute("data-label"));
    } else if (form.classList.contains("custom-form")) {
      addCustom(form.closest(".add-panel"));
    }
  }

  function onTableKey(e) {
    var target = e.target;
    if (e.key === "Escape" && target.closest(".room-rename-form")) {
      renaming = null;
      ctx.changed(true);
    } else if (e.key === "Escape" && target.closest(".add-panel")) {
      adding = null;
      ctx.changed(true);
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && target.classList.contains("catalogue-search")) {
      e.preventDefault();
      moveResult(target.closest(".add-panel"), e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter" && target.classList.contains("qty-input")) {
      target.blur(); // commits through `change`
    }
  }

  function moveResult(panel, delta) {
    var items = Array.prototype.slice.call(panel.querySelectorAll(".catalogue-result"));
    if (!items.length) return;
    var index = items.findIndex(function (li) {
      return li.getAttribute("aria-selected") === "true";
    });
    var next = Math.max(0, Math.min(items.length - 1, index + delta));
    items.forEach(function (li, i) {
      li.setAttribute("aria-selected", String(i === next));
    });
    items[next].scrollIntoView({ block: "nearest" });
  }

  function isEditing() {
    if (renaming !== null || adding !== null) return true;
    var active = global.document.activeElement;
    return !!active && active.classList.contains("qty-input") && active.value !== active.defaultValue;
  }

  // ---- photos: pick, move to a room, exclude ----------------------------------------------------

  function extendRow(li) {
    var pick = PL.el("label", "photo-pick");
    var box = PL.el("input", "photo-check");
    box.type = "checkbox";
    pick.appendChild(box);
    li.appendChild(pick);
    var tools = PL.el("div", "photo-tools");
    tools.appendChild(button("btn btn-small btn-ghost photo-room-btn", t("review.photoRoom")));
    tools.appendChild(button("btn btn-small btn-ghost photo-exclude"));
    tools.appendChild(button("btn btn-small btn-ghost photo-reanalyse", t("reanalyse.photo")));
    li.appendChild(tools);
  }

  function updateRow(li, photo) {
    var excluded = photo.excluded === true;
    var name = photo.fileName || "#" + photo.id;
    li.classList.toggle("is-excluded", excluded);
    var box = li.querySelector(".photo-check");
    box.checked = selection.has(photo.id);
    box.setAttribute("aria-label", t("review.pick", { name: name }));
    var done = photo.status === "DONE";
    var exclude = li.querySelector(".photo-exclude");
    setText(exclude, t(excluded ? "review.include" : "review.exclude"));
    exclude.setAttribute("aria-pressed", String(excluded));
    exclude.setAttribute("aria-label", t(excluded ? "review.includeNamed" : "review.excludeNamed", { name: name }));
    exclude.disabled = !done;
    var move = li.querySelector(".photo-room-btn");
    move.setAttribute("aria-label", t("review.photoRoomNamed", { name: name }));
    move.disabled = !done;
    var again = li.querySelector(".photo-reanalyse");
    again.setAttribute("aria-label", t("reanalyse.photo") + " — " + name);
    again.title = t("reanalyse.photoTip");
    again.disabled = !done;
  }

  // ---- analysing photos again (the vision model was down, or answered nonsense) ------------

  var MODEL_NOTICES = ["model_unavailable", "model_bad_answer"];

  /** Finished photos with the detector's items only. */
  function modelMissed(state) {
    var n = 0;
    if (!state || !state.photos) return 0;
    state.photos.forEach(function (photo) {
      var flags = photo.flags || [];
      if (photo.status === "DONE" && flags.some(function (f) { return MODEL_NOTICES.indexOf(f) >= 0; })) n++;
    });
    return n;
  }

  /** Send photos round again (`ids`, or null: those the model missed); the stream shows
   * them queued, then done. */
  function reanalyse(ids) {
    var body = ids ? { photoIds: ids } : { modelNotices: true };
    return post("/reanalyze", body).then(function (answer) {
      if (!answer) return null;
      var text = t("reanalyse.done", { n: (answer.requeued || []).length });
      if (answer.paused) text += " " + t("reanalyse.paused");
      showMessage(text, false);
      return answer;
    });
  }

  function renderReanalyse(state) {
    var missed = modelMissed(state);
    var again = $("reanalyse-missed");
    if (!again) return;
    again.hidden = missed === 0;
    again.title = missed ? t("reanalyse.batchTip", { n: missed }) : "";
  }

  function onListClick(e) {
    var target = e.target;
    var li = target.closest("li[data-id]");
    if (!li) return;
    var id = Number(li.getAttribute("data-id"));
    if (target.classList.contains("photo-check")) {
      pick(id, target.checked, e.shiftKey);
    } else if (target.closest(".photo-exclude")) {
      var photo = ctx.state.photos.get(id);
      correct("photo.exclude", { photoIds: [id], excluded: !(photo && photo.excluded === true) });
    } else if (target.closest(".photo-reanalyse")) {
      reanalyse([id]);
    } else if (target.closest(".photo-room-btn")) {
      selection.clear();
      pick(id, true, false);
      $("move-to").focus();
    }
  }

  /** Tick or untick one photo; with Shift, every visible photo from the last one picked. */
  function pick(id, on, range) {
    var ids = [id];
    var order = ctx.state.order;
    if (range && lastPicked !== null && order.indexOf(lastPicked) !== -1) {
      var a = order.indexOf(lastPicked);
      var b = order.indexOf(id);
      ids = order.slice(Math.min(a, b), Math.max(a, b) + 1).filter(function (other) {
        var row = global.document.querySelector('#photo-list > li[data-id="' + other + '"]');
        return row && row.offsetParent !== null; // filtered-out rows are not picked
      });
    }
    ids.forEach(function (other) {
      if (on) selection.add(other);
      else selection.delete(other);
    });
    lastPicked = id;
    syncChecks();
    renderSelection();
  }

  function syncChecks() {
    var boxes = global.document.querySelectorAll("#photo-list .photo-check");
    for (var i = 0; i < boxes.length; i++) {
      var id = Number(boxes[i].closest("li").getAttribute("data-id"));
      boxes[i].checked = selection.has(id);
    }
  }

  function renderSelection() {
    selection.forEach(function (id) {
      if (!ctx.state.photos.has(id)) selection.delete(id);
    });
    var bar = $("selection-bar");
    bar.hidden = selection.size === 0;
    setText($("selection-count"), t("review.selected", { n: selection.size }));
    var select = $("move-to");
    var kept = select.value;
    select.textContent = "";
    select.appendChild(option("", t("review.moveChoose"), true));
    var known = PL.el("optgroup");
    known.label = t("review.roomsOfBatch");
    rooms.forEach(function (room, key) {
      known.appendChild(option(key, roomTitle(room)));
    });
    if (known.firstChild) select.appendChild(known);
    var fresh = PL.el("optgroup");
    fresh.label = t("review.roomTypes");
    ROOM_TYPES.forEach(function (type) {
      if (!rooms.has(type + "|")) fresh.appendChild(option(type + "|", PL.roomLabel(type)));
    });
    select.appendChild(fresh);
    select.value = kept;
    $("move-apply").disabled = !select.value;
  }

  function keyToRoom(key) {
    var cut = key.indexOf("|");
    return { roomType: key.slice(0, cut), roomName: key.slice(cut + 1) || null };
  }

  function selected() {
    return Array.from(selection).sort(function (a, b) {
      return a - b;
    });
  }

  function moveSelected() {
    var value = $("move-to").value;
    if (!value || !selection.size) return;
    var room = rooms.get(value) || keyToRoom(value);
    correct("photo.room", { photoIds: selected(), roomType: room.roomType, roomName: room.roomName }).then(clearAfter);
  }

  function excludeSelected(excluded) {
    if (!selection.size) return;
    correct("photo.exclude", { photoIds: selected(), excluded: excluded }).then(clearAfter);
  }

  function clearAfter(body) {
    if (!body) return;
    clearSelection();
  }

  function clearSelection() {
    selection.clear();
    lastPicked = null;
    syncChecks();
    renderSelection();
  }

  // ---- start ----------------------------------------------------------------------------------

  function render(state) {
    var review = state.review || {};
    renderTitle(review);
    renderHistory(review);
    renderHeader(review);
    renderSelection();
    $("review-bar").hidden = !state.hasSnapshot;
  }

  function setUp(options) {
    ctx = options;
    $("undo").addEventListener("click", function () {
      step("undo");
    });
    $("redo").addEventListener("click", function () {
      step("redo");
    });
    global.document.addEventListener("keydown", onKey);
    $("delete-batch").addEventListener("click", askDelete);
    $("delete-cancel").addEventListener("click", function () {
      $("delete-dialog").close();
    });
    $("delete-confirm").addEventListener("click", confirmDelete);
    $("rename-batch").addEventListener("click", openBatchRename);
    $("batch-rename-form").addEventListener("submit", saveBatchRename);
    $("batch-rename-cancel").addEventListener("click", closeBatchRename);
    $("batch-rename-input").addEventListener("keydown", function (e) {
      if (e.key === "Escape") closeBatchRename();
    });
    $("move-form").addEventListener("input", onHeaderInput);
    $("move-form").addEventListener("change", onHeaderInput);
    $("move-form").addEventListener("submit", saveHeader);
    $("move-reset").addEventListener("click", resetHeader);
    var table = $("rooms-table");
    table.addEventListener("click", onTableClick);
    table.addEventListener("change", onTableChange);
    table.addEventListener("submit", onTableSubmit);
    table.addEventListener("keydown", onTableKey);
    table.addEventListener("focusin", fillMerge);
    table.addEventListener("mousedown", fillMerge);
    table.addEventListener("input", function (e) {
      if (e.target.classList.contains("catalogue-search")) search(e.target.closest(".add-panel"));
    });
    $("photo-list").addEventListener("click", onListClick);
    $("move-to").addEventListener("change", function () {
      $("move-apply").disabled = !$("move-to").value;
    });
    $("move-apply").addEventListener("click", moveSelected);
    $("exclude-selected").addEventListener("click", function () {
      excludeSelected(true);
    });
    $("include-selected").addEventListener("click", function () {
      excludeSelected(false);
    });
    $("clear-selection").addEventListener("click", clearSelection);
    if ($("reanalyse-missed")) {
      $("reanalyse-missed").addEventListener("click", function () {
        reanalyse(null);
      });
    }
    ["review-message-close", "viewer-message-close"].forEach(function (id) {
      if ($(id)) {
        $(id).addEventListener("click", function () {
          showMessage("");
        });
      }
    });
  }

  global.Review = {
    setUp: setUp,
    correct: correct,
    reanalyse: reanalyse,
    renderReanalyse: renderReanalyse,
    showMessage: showMessage,
    catalogue: catalogue,
    render: render,
    beginSummary: beginSummary,
    roomHead: roomHead,
    lineCells: lineCells,
    roomActions: roomActions,
    extendRow: extendRow,
    updateRow: updateRow,
    isEditing: isEditing
  };
})(window);
