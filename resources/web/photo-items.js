/* The photo viewer's item list: what one photo shows, corrected by hand.
 *
 * Beside the preview, each item the photo shows (one line per label: its name, its count,
 * whether the detector saw it or the mover added or corrected it) with a − / number / +
 * stepper (POST correction `photo.item` {photoId, label, quantity}; 0 removes it), a
 * "replace" that picks another catalogue item (`photo.relabel` {photoId, label, to}: the
 * detector saw a sofa, it is an armchair; its boxes stay), and "add an item seen in this
 * photo" (catalogue search, then `photo.item` with the new count). When the photo was
 * corrected, the detector's own result is said discreetly below ("Detected: Sofa ×1").
 * Only DONE photos are edited. As everywhere in the review (review.js), the page changes
 * when the stream event that follows the POST arrives: batch.js merges it and redraws the
 * viewer (this list included) and the inventory. A refusal is said in the review's
 * message (inside the dialog while it is open) and the list is drawn again from the state.
 *
 *   PhotoItems.setUp({name})   once; name(label) → the item's name if the page knows it, else null
 *   PhotoItems.render(photo)   draw the list for the viewer's photo (called by renderViewer)
 *   PhotoItems.reset()         the viewer moved to another photo or closed
 *
 * Everything is put on the page with textContent (item names come from the server).
 */
(function (global) {
  "use strict";

  var PL = global.PL;
  var INV = global.Inventory;
  var t = PL.t;
  var setText = PL.setText;
  var SEARCH_DELAY_MS = 150;

  var ctx = null;
  var current = null; // the photo drawn last
  var pick = { mode: null, label: null, query: "" }; // the catalogue panel: "add" | "relabel"
  var names = new Map(); // label → {fr, en}, from the catalogue's answers
  var stale = false; // a redraw was put off while a count was being typed
  var pendingFocus = ""; // a control to focus once the list shows it (after a replace)
  var searchTimer = 0;
  var searchSeq = 0;

  function $(id) {
    return global.document.getElementById(id);
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

  function itemName(label) {
    var known = ctx && ctx.name(label);
    if (known) return known;
    var named = names.get(label);
    if (named) return PL.lang === "fr" ? named.fr : named.en;
    return INV.labelWords(label);
  }

  /** The photo's items by label, in the photo's order: [{label, quantity, source, from}]. */
  function lines(photo) {
    var byLabel = new Map();
    (Array.isArray(photo.items) ? photo.items : []).forEach(function (item) {
      if (!item || typeof item.label !== "string") return;
      var quantity = Math.floor(Number(item.quantity === undefined ? 1 : item.quantity));
      if (!isFinite(quantity)) quantity = 1;
      var line = byLabel.get(item.label);
      if (!line) {
        line = { label: item.label, quantity: 0, hand: false, detector: false, from: null };
        byLabel.set(item.label, line);
      }
      line.quantity += Math.max(0, quantity);
      if (item.relabeledFrom) line.from = item.relabeledFrom;
      else if (item.source === "hand") line.hand = true;
      else line.detector = true;
    });
    var out = Array.from(byLabel.values()).map(function (line) {
      // replaced: "relabeled"; the detector's count changed by hand: "corrected"; only
      // added by hand: "hand"; else what the detector saw
      line.source = line.from ? "relabeled" : line.hand ? (line.detector ? "corrected" : "hand") : "detector";
      line.name = itemName(line.label);
      return line;
    });
    // by name: a corrected line does not jump to the end (the server appends what it changes)
    out.sort(function (a, b) {
      return a.name.localeCompare(b.name, PL.lang, { sensitivity: "base" }) || (a.label < b.label ? -1 : 1);
    });
    return out;
  }

  function quantityOf(label) {
    var found = current ? lines(current).filter(function (line) {
      return line.label === label;
    })[0] : null;
    return found ? found.quantity : 0;
  }

  function editable(photo) {
    return !!photo && photo.status === "DONE";
  }

  // ---- drawing ---------------------------------------------------------------------------

  function render(photo) {
    if (!photo) return;
    if (current && current.id !== photo.id) closePick(false);
    current = photo;
    var canEdit = editable(photo);
    if (isTyping()) {
      stale = true; // not under the person's fingers: once the field is left
      return;
    }
    stale = false;
    var list = $("viewer-item-list");
    var active = global.document.activeElement;
    var focusKey = pendingFocus || (active && list.contains(active) ? active.getAttribute("data-focus-key") : "");
    var hadFocus = !!active && list.contains(active);
    list.textContent = "";
    var shown = lines(photo);
    shown.forEach(function (line) {
      list.appendChild(lineItem(line, canEdit));
    });
    var note = "";
    if (!canEdit) note = t("photoItems.locked");
    else if (!shown.length) note = t("photoItems.empty");
    else if (photo.excluded === true) note = t("photoItems.excluded");
    setText($("viewer-items-note"), note);
    $("viewer-items-note").hidden = !note;

    var detected = $("viewer-detected");
    var was = photo.detected && typeof photo.detected === "object" ? photo.detected : null;
    var wasItems = was ? summary(was.items) : "";
    setText(detected, was ? (wasItems ? t("photoItems.detected", { items: wasItems }) : t("photoItems.detectedNone")) : "");
    detected.hidden = !was;

    var add = $("viewer-add-open");
    add.disabled = !canEdit;
    add.setAttribute("aria-expanded", String(pick.mode === "add"));
    if (!canEdit && pick.mode) closePick(false);

    if (focusKey) {
      var again = list.querySelector('[data-focus-key="' + CSS.escape(focusKey) + '"]');
      if (again) {
        again.focus();
        pendingFocus = "";
      } else if (hadFocus) {
        add.focus(); // the line is gone (removed): somewhere near, inside the dialog
      }
    }
  }

  /** "Canapé ×1, Chaise ×2" */
  function summary(items) {
    return INV.photoCounts(items)
      .map(function (pair) {
        return t("item.quantity", { name: itemName(pair[0]), n: PL.number(pair[1]) });
      })
      .join(", ");
  }

  function lineItem(line, canEdit) {
    var name = itemName(line.label);
    var li = PL.el("li", "viewer-item");
    li.setAttribute("data-label", line.label);
    var head = PL.el("div", "viewer-item-head");
    head.appendChild(PL.el("span", "viewer-item-name", name));
    var tag = PL.el("span", "tag tag-item viewer-item-source", t("photoItems.source." + line.source));
    tag.setAttribute("data-kind", line.source === "relabeled" ? "corrected" : line.source);
    tag.setAttribute("data-source", line.source);
    if (line.from) tag.title = t("photoItems.relabeledFrom", { name: itemName(line.from) });
    head.appendChild(tag);
    li.appendChild(head);

    var tools = PL.el("div", "viewer-item-tools");
    var box = PL.el("div", "stepper");
    var less = button("stepper-btn", "−", t("review.less", { name: name }));
    less.setAttribute("data-step", "-1");
    less.setAttribute("data-focus-key", "less|" + line.label);
    var input = PL.el("input", "qty-input");
    input.type = "number";
    input.min = "0";
    input.max = "1000";
    input.step = "1";
    input.inputMode = "numeric";
    input.value = String(line.quantity);
    input.defaultValue = String(line.quantity);
    input.setAttribute("aria-label", t("review.quantity", { name: name }));
    input.setAttribute("data-focus-key", "qty|" + line.label);
    var more = button("stepper-btn", "+", t("review.oneMore", { name: name }));
    more.setAttribute("data-step", "1");
    more.setAttribute("data-focus-key", "more|" + line.label);
    [less, input, more].forEach(function (node) {
      node.disabled = !canEdit;
      box.appendChild(node);
    });
    tools.appendChild(box);
    var relabel = button("btn btn-small btn-ghost viewer-item-relabel", t("photoItems.relabel"), t("photoItems.relabelNamed", { name: name }));
    relabel.setAttribute("data-focus-key", "relabel|" + line.label);
    relabel.setAttribute("aria-expanded", String(pick.mode === "relabel" && pick.label === line.label));
    relabel.disabled = !canEdit;
    tools.appendChild(relabel);
    var remove = button("icon-btn viewer-item-remove", "✕", t("photoItems.remove", { name: name }));
    remove.setAttribute("data-focus-key", "remove|" + line.label);
    remove.disabled = !canEdit;
    tools.appendChild(remove);
    li.appendChild(tools);
    return li;
  }

  /** A count is being typed: the list is not redrawn under it. */
  function isTyping() {
    var active = global.document.activeElement;
    return (
      !!active &&
      active.classList.contains("qty-input") &&
      $("viewer-item-list").contains(active) &&
      active.value !== active.defaultValue
    );
  }

  // ---- the catalogue panel: add an item, or replace one ----------------------------------

  function openPick(mode, label) {
    if (!editable(current)) return;
    if (pick.mode === mode && pick.label === (label || null)) {
      closePick(true);
      return;
    }
    pick = { mode: mode, label: label || null, query: "" };
    var panel = $("viewer-pick");
    panel.hidden = false;
    panel.setAttribute("data-mode", mode);
    setText(
      $("viewer-pick-title"),
      mode === "add" ? t("photoItems.add") : t("photoItems.relabelTitle", { name: itemName(label) })
    );
    $("viewer-pick-qty").hidden = mode !== "add";
    $("viewer-pick-qty").value = "1";
    var input = $("viewer-pick-search");
    input.value = "";
    $("viewer-pick-results").textContent = "";
    syncExpanded();
    input.focus();
    search();
  }

  /** `refocus`: put the focus back on the button that opened the panel. */
  function closePick(refocus) {
    var was = pick;
    pick = { mode: null, label: null, query: "" };
    searchSeq += 1; // an answer on its way is for nobody now
    global.clearTimeout(searchTimer);
    $("viewer-pick").hidden = true;
    $("viewer-pick-results").textContent = "";
    syncExpanded();
    if (!refocus || !was.mode) return;
    var back =
      was.mode === "add"
        ? $("viewer-add-open")
        : $("viewer-item-list").querySelector('[data-focus-key="' + CSS.escape("relabel|" + was.label) + '"]');
    if (back) back.focus();
  }

  function syncExpanded() {
    $("viewer-add-open").setAttribute("aria-expanded", String(pick.mode === "add"));
    var buttons = $("viewer-item-list").querySelectorAll(".viewer-item-relabel");
    for (var i = 0; i < buttons.length; i++) {
      var label = buttons[i].closest("li").getAttribute("data-label");
      buttons[i].setAttribute("aria-expanded", String(pick.mode === "relabel" && pick.label === label));
    }
  }

  function search() {
    var input = $("viewer-pick-search");
    pick.query = input.value;
    global.clearTimeout(searchTimer);
    var seq = ++searchSeq;
    searchTimer = global.setTimeout(function () {
      global.Review.catalogue(input.value)
        .then(function (items) {
          if (seq === searchSeq) showResults(items);
        })
        .catch(function (err) {
          if (seq === searchSeq) global.Review.showMessage(t("review.refused", { message: err.message }), true);
        });
    }, SEARCH_DELAY_MS);
  }

  function showResults(items) {
    var list = $("viewer-pick-results");
    list.textContent = "";
    var shown = items.filter(function (item) {
      return !(pick.mode === "relabel" && item.label === pick.label); // not into itself
    });
    if (!shown.length) {
      list.appendChild(PL.el("li", "catalogue-empty muted small", t("review.noResult")));
      return;
    }
    shown.forEach(function (item, index) {
      names.set(item.label, { fr: item.fr, en: item.en });
      list.appendChild(PL.catalogueOption(item, index === 0));
    });
  }

  function moveResult(delta) {
    var items = Array.prototype.slice.call($("viewer-pick-results").querySelectorAll(".catalogue-result"));
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

  /** A catalogue item was chosen in the panel. */
  function choose(label) {
    if (!current || !pick.mode || !label) return;
    var photoId = current.id;
    var request;
    if (pick.mode === "add") {
      var count = Math.floor(Number($("viewer-pick-qty").value)) || 1;
      request = global.Review.correct("photo.item", {
        photoId: photoId,
        label: label,
        quantity: quantityOf(label) + count
      });
      pendingFocus = "qty|" + label;
    } else {
      request = global.Review.correct("photo.relabel", { photoId: photoId, label: pick.label, to: label });
      pendingFocus = "relabel|" + label;
    }
    request.then(function (body) {
      if (!body) {
        pendingFocus = "";
        return; // refused: said in the message; the panel stays, with what was typed
      }
      if (current && current.id === photoId) {
        closePick(false);
        $("viewer-add-open").focus(); // until the line arrives with the stream's event
      }
    });
  }

  // ---- counts ------------------------------------------------------------------------------

  function setQuantity(label, quantity) {
    if (!current || !editable(current)) return;
    global.Review.correct("photo.item", { photoId: current.id, label: label, quantity: quantity }).then(function (body) {
      if (!body && current) render(current); // refused: the count the state still holds
    });
  }

  function labelOf(node) {
    var li = node.closest("li.viewer-item[data-label]");
    return li ? li.getAttribute("data-label") : null;
  }

  function onClick(e) {
    var target = e.target;
    var node;
    if ((node = target.closest("#viewer-item-list .stepper-btn"))) {
      var label = labelOf(node);
      setQuantity(label, Math.max(0, quantityOf(label) + Number(node.getAttribute("data-step"))));
    } else if ((node = target.closest(".viewer-item-relabel"))) {
      openPick("relabel", labelOf(node));
    } else if ((node = target.closest(".viewer-item-remove"))) {
      setQuantity(labelOf(node), 0);
    } else if (target.closest("#viewer-add-open")) {
      openPick("add");
    } else if (target.closest("#viewer-pick-close")) {
      closePick(true);
    } else if ((node = target.closest("#viewer-pick-results .catalogue-result"))) {
      choose(node.getAttribute("data-label"));
    }
  }

  function onChange(e) {
    var target = e.target;
    if (!target.classList.contains("qty-input") || !$("viewer-item-list").contains(target)) return;
    var text = target.value.trim();
    if (!text || text === target.defaultValue) {
      target.value = target.defaultValue;
      return;
    }
    // what the person typed stays until the answer: the count is the field's own now
    target.defaultValue = text;
    setQuantity(labelOf(target), Number(text));
  }

  function onKey(e) {
    var target = e.target;
    if (target.classList.contains("qty-input") && $("viewer-item-list").contains(target)) {
      if (e.key === "Enter") {
        e.preventDefault();
        target.blur(); // commits through `change`
      } else if (e.key === "Escape" && target.value !== target.defaultValue) {
        e.preventDefault(); // the typing is undone; the viewer stays open
        e.stopPropagation();
        target.value = target.defaultValue;
      }
      return;
    }
    if (!target.closest("#viewer-pick")) return;
    if (e.key === "Escape") {
      e.preventDefault(); // closes the panel, not the viewer
      e.stopPropagation();
      closePick(true);
    } else if (e.key === "Enter" && target.tagName === "INPUT") {
      // the form has two fields and no submit button: no implicit submission, so here
      onSubmit(e);
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && target.id === "viewer-pick-search") {
      e.preventDefault();
      moveResult(e.key === "ArrowDown" ? 1 : -1);
    }
  }

  function onSubmit(e) {
    e.preventDefault();
    var selected = $("viewer-pick-results").querySelector('.catalogue-result[aria-selected="true"]');
    if (selected) choose(selected.getAttribute("data-label"));
  }

  function onFocusOut() {
    // a count typed then left: the redraw that waited for it (after `change` has run)
    global.setTimeout(function () {
      if (stale && current && !isTyping()) render(current);
    }, 0);
  }

  /** The viewer shows another photo, or closed. */
  function reset() {
    closePick(false);
    pendingFocus = "";
    stale = false;
  }

  function setUp(options) {
    ctx = options;
    var root = $("viewer-items");
    root.addEventListener("click", onClick);
    root.addEventListener("change", onChange);
    root.addEventListener("keydown", onKey);
    root.addEventListener("focusout", onFocusOut);
    $("viewer-pick-form").addEventListener("submit", onSubmit);
    $("viewer-pick-search").addEventListener("input", search);
  }

  global.PhotoItems = {
    setUp: setUp,
    render: render,
    reset: reset,
    lines: lines
  };
})(window);
