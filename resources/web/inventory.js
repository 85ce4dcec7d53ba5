/* The inventory as the batch page shows it: item names, and a per-room view kept live.
 * No DOM, no network (the browser tests call it directly).
 *
 *   var book = Inventory.createBook();
 *   Inventory.learn(book, state.inventorySummary);   // label → names, unit volumes, flags
 *   Inventory.itemName(book, "sofa", "fr");          // "Canapé" (or "Sofa" before it is known)
 *   var live = Inventory.createLive();
 *   Inventory.setPhoto(live, photo);                  // each photo as the stream merges it
 *   Inventory.summary(live, book, analyzer);          // the server's `inventorySummary` shape
 *
 * The server sends `inventorySummary` in the snapshot and in `complete`; in between,
 * `progress` deltas carry each photo's items only. The live view rebuilds the rooms from
 * those photos with the server's rule (desktopapp/inventory/aggregate.py, as the window's
 * ui/inventory_view.py): per room (a room type, or the folder that named it), an item's
 * quantity is the largest count of it seen in any single photo of that room; near-duplicate
 * photos (duplicateOf) and excluded ones (`excluded: true`) add nothing; built-in items
 * are listed with no volume. Names, unit volumes and packing factors come from the
 * summaries the server sent; a label none of them named yet has no volume (null) until
 * one does. Once the batch is final, or corrected by
 * hand (room names, items added…, which only the server knows), the page shows the
 * server's summary as it is: this view only fills the wait of an uncorrected batch.
 */
(function (global) {
  "use strict";

  var UNKNOWN_ROOM = "unknown";

  function labelWords(label) {
    var words = String(label || "").replace(/_/g, " ").trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function num(value) {
    return typeof value === "number" && isFinite(value) ? value : null;
  }

  function round3(value) {
    return Math.round(value * 1000) / 1000;
  }

  // ---- names and volumes by label --------------------------------------------------------

  function createBook() {
    return { items: new Map(), version: 0 };
  }

  function lineInfo(line) {
    if (!line || typeof line.label !== "string") return null;
    var builtIn = !!line.builtIn;
    var quantity = num(line.quantity) || 0;
    var unit = num(line.unitVolume_m3);
    var volume = num(line.volume_m3);
    if (unit === null) {
      if (volume === null || quantity <= 0 || builtIn) return null;
      unit = volume / quantity;
    }
    var packed = num(line.packedVolume_m3);
    var unitPacked = builtIn ? 0 : packed !== null && quantity > 0 ? packed / quantity : unit;
    return {
      fr: String(line.fr || labelWords(line.label)),
      en: String(line.en || labelWords(line.label)),
      unitVolume: unit,
      unitPacked: unitPacked,
      fragile: !!line.fragile,
      dismountable: !!line.dismountable,
      builtIn: builtIn
    };
  }

  function sameInfo(a, b) {
    if (!a || !b) return false;
    for (var key in a) if (a[key] !== b[key]) return false;
    return true;
  }

  /** Take in every item line of a summary; true when something new was learned. */
  function learn(book, summary) {
    var learned = false;
    var rooms = summary && Array.isArray(summary.rooms) ? summary.rooms : [];
    rooms.forEach(function (room) {
      (room && Array.isArray(room.items) ? room.items : []).forEach(function (line) {
        var info = lineInfo(line);
        if (info && !sameInfo(book.items.get(line.label), info)) {
          book.items.set(line.label, info);
          learned = true;
        }
      });
    });
    if (learned) book.version += 1;
    return learned;
  }

  function itemName(book, label, lang) {
    var info = book.items.get(label);
    var name = info && (lang === "fr" ? info.fr : info.en);
    // a label the catalogue does not know comes back as its key: say it as words
    return name && name !== label ? name : labelWords(label);
  }

  /** One photo's items as [[label, quantity]…] (a label listed twice adds up), in order. */
  function photoCounts(items) {
    var counts = new Map();
    (Array.isArray(items) ? items : []).forEach(function (item) {
      if (!item || typeof item.label !== "string") return;
      var quantity = Math.floor(Number(item.quantity === undefined ? 1 : item.quantity));
      if (!isFinite(quantity)) quantity = 1;
      counts.set(item.label, (counts.get(item.label) || 0) + Math.max(0, quantity));
    });
    return Array.from(counts.entries());
  }

  // ---- the live per-room view ------------------------------------------------------------

  function createLive() {
    return { entries: new Map(), rooms: new Map() };
  }

  function roomKey(photo) {
    return JSON.stringify([photo.roomType || UNKNOWN_ROOM, photo.roomName || null]);
  }

  function entryOf(photo) {
    // an excluded photo (the mover took it out of the inventory) counts in no room
    if (!photo || photo.status !== "DONE" || photo.excluded === true) return null;
    var key = roomKey(photo);
    // the same shot again: it repeats its original, it adds nothing
    var counts = photo.duplicateOf !== null && photo.duplicateOf !== undefined ? null : photoCounts(photo.items);
    return { key: key, counts: counts, sig: key + JSON.stringify(counts) };
  }

  /** Take in one photo (as merged); returns true when the view changed. */
  function setPhoto(live, photo) {
    var id = photo && photo.id;
    var entry = entryOf(photo);
    var old = live.entries.get(id);
    if ((entry && old && entry.sig === old.sig) || (!entry && !old)) return false;
    if (old) drop(live, id, old);
    if (entry) add(live, id, entry);
    return true;
  }

  function add(live, id, entry) {
    var room = live.rooms.get(entry.key);
    if (!room) {
      room = { photos: 0, seen: new Map() };
      live.rooms.set(entry.key, room);
    }
    room.photos += 1;
    (entry.counts || []).forEach(function (pair) {
      if (!room.seen.has(pair[0])) room.seen.set(pair[0], new Map());
      room.seen.get(pair[0]).set(id, pair[1]);
    });
    live.entries.set(id, entry);
  }

  function drop(live, id, entry) {
    live.entries.delete(id);
    var room = live.rooms.get(entry.key);
    room.photos -= 1;
    (entry.counts || []).forEach(function (pair) {
      var seen = room.seen.get(pair[0]);
      seen.delete(id);
      if (!seen.size) room.seen.delete(pair[0]);
    });
    if (room.photos <= 0) live.rooms.delete(entry.key);
  }

  function itemLine(book, label, quantity, photoId) {
    var info = book.items.get(label);
    if (!info) {
      var words = labelWords(label);
      return {
        label: label, en: words, fr: words, quantity: quantity,
        unitVolume_m3: null, volume_m3: null, packedVolume_m3: null,
        fragile: false, dismountable: false, builtIn: false, photoId: photoId
      };
    }
    var moving = info.builtIn ? 0 : quantity;
    return {
      label: label, en: info.en, fr: info.fr, quantity: quantity,
      unitVolume_m3: round3(info.unitVolume),
      volume_m3: round3(info.unitVolume * moving),
      packedVolume_m3: round3(info.unitPacked * moving),
      fragile: info.fragile, dismountable: info.dismountable, builtIn: info.builtIn,
      photoId: photoId
    };
  }

  function byText(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** The inventory so far, in the server's shape; a line whose label no summary named yet
   * has null volumes (and counts in `unknownLines`). */
  function summary(live, book, analyzer) {
    var rooms = [];
    live.rooms.forEach(function (room, key) {
      var parts = JSON.parse(key);
      var lines = [];
      room.seen.forEach(function (seen, label) {
        var bestId = null;
        var best = 0;
        seen.forEach(function (quantity, photoId) {
          if (quantity > best) {
            best = quantity;
            bestId = photoId;
          }
        });
        if (best > 0) lines.push(itemLine(book, label, best, bestId));
      });
      lines.sort(function (a, b) {
        return (a.builtIn - b.builtIn) || ((b.volume_m3 || 0) - (a.volume_m3 || 0)) || byText(a.en, b.en);
      });
      var moving = lines.filter(function (line) {
        return !line.builtIn;
      });
      rooms.push({
        roomType: parts[0],
        roomName: parts[1],
        photos: room.photos,
        itemsCount: moving.reduce(function (n, line) { return n + line.quantity; }, 0),
        volume_m3: round3(moving.reduce(function (n, line) { return n + (line.volume_m3 || 0); }, 0)),
        packedVolume_m3: round3(moving.reduce(function (n, line) { return n + (line.packedVolume_m3 || 0); }, 0)),
        items: lines,
        unknownLines: lines.filter(function (line) { return line.volume_m3 === null; }).length
      });
    });
    rooms.sort(function (a, b) {
      return (b.photos - a.photos) || byText(a.roomType, b.roomType) || byText(a.roomName || "", b.roomName || "");
    });
    var total = function (field) {
      return round3(rooms.reduce(function (n, room) { return n + room[field]; }, 0));
    };
    return {
      totalItems: total("itemsCount"),
      totalVolume: total("volume_m3"),
      totalPackedVolume: total("packedVolume_m3"),
      rooms: rooms,
      analyzer: analyzer || null,
      unknownLines: total("unknownLines")
    };
  }

  global.Inventory = {
    createBook: createBook,
    learn: learn,
    itemName: itemName,
    labelWords: labelWords,
    photoCounts: photoCounts,
    createLive: createLive,
    setPhoto: setPhoto,
    summary: summary
  };
})(window);
