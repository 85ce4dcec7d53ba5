/* PhotoLot web page: language, labels and small formatting helpers shared by both pages.
 * French for fr / fr-*, English otherwise (navigator.language). No dependencies. */
(function (global) {
  "use strict";

  var LANG = /^fr(-|$)/i.test(global.navigator.language || "") ? "fr" : "en";

  // The catalogue the window and the PDF report read too (resources/i18n/strings.json),
  // served as /static/i18n.js, which the pages load before this file.
  var STRINGS = global.PHOTOLOT_STRINGS || { fr: {}, en: {} };
  var ROOM_TYPES = ["living_room", "bedroom", "kitchen", "bathroom", "dining_room", "office", "hall",
    "garage", "cellar", "attic", "laundry", "garden", "kids_room", "storage"];
  var DEFAULT_PROJECT = "Default"; // the project name stored when none is given

  function has(key) {
    return Object.prototype.hasOwnProperty.call(STRINGS[LANG], key);
  }

  /** "one" or "other": French singular for 0 and 1, English for exactly 1 (as platform/i18n.py). */
  function pluralForm(n) {
    if (LANG === "fr") return Math.abs(n) < 2 ? "one" : "other";
    return n === 1 ? "one" : "other";
  }

  /** t("conn.live", {time: "12:00:00"}) → the string in the page language. Strings with
   * plural forms ({one, other}) pick theirs from vars.n (a number, or a formatted one). */
  function t(key, vars) {
    var text = has(key) ? STRINGS[LANG][key] : (STRINGS.en[key] !== undefined ? STRINGS.en[key] : key);
    if (typeof text === "object") {
      var n = vars && vars.n !== undefined ? Number(String(vars.n).replace(/[^0-9.,-]/g, "").replace(",", ".")) : 0;
      text = text[pluralForm(n)] || text.other;
    }
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : whole;
      });
    }
    return text;
  }

  /** Fill [data-i18n] text and [data-i18n-aria-label] / [data-i18n-title] attributes. */
  function applyI18n(root) {
    root = root || global.document;
    var nodes = root.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    ["aria-label", "title", "placeholder"].forEach(function (attr) {
      var withAttr = root.querySelectorAll("[data-i18n-" + attr + "]");
      for (var j = 0; j < withAttr.length; j++) {
        withAttr[j].setAttribute(attr, t(withAttr[j].getAttribute("data-i18n-" + attr)));
      }
    });
    global.document.documentElement.lang = LANG;
  }

  function statusLabel(status) {
    var key = "status." + status;
    return STRINGS[LANG][key] || STRINGS.en[key] || String(status || t("status.UNKNOWN"));
  }

  function roomLabel(roomType) {
    if (!roomType || roomType === "unknown") return t("room.unknown");
    if (ROOM_TYPES.indexOf(roomType) >= 0) return t("room." + roomType);
    var words = String(roomType).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  /** A project's name as shown: the one made when none was given is "Default project". */
  function projectName(name) {
    return name === DEFAULT_PROJECT ? t("project.default") : String(name || "");
  }

  /** "Projet Dupont", or "Projet par défaut"; "" without a project. */
  function projectLabel(name) {
    if (name === DEFAULT_PROJECT) return t("project.default");
    return name ? t("batch.project", { name: name }) : "";
  }

  /** What recognised the photos, in words (the raw name when PhotoLot does not know it). */
  function analyzerLabel(name) {
    var text = String(name || "");
    if (text === "names" || text === "offline") return t("analyzer." + text);
    if (text === "detector" || /ssd|nanodet/.test(text)) return t("analyzer.detector");
    return text;
  }

  /** A room as people name it: the folder that named it ("Chambre 2"), else its type. */
  function roomDisplay(roomType, roomName) {
    return roomName ? String(roomName) : roomLabel(roomType);
  }

  function flagLabel(flag) {
    var key = "flag." + flag;
    return STRINGS[LANG][key] || STRINGS.en[key] || String(flag).replace(/_/g, " ");
  }

  /** A photo's error in the page language: a translation of the stable code (French), else the server's text. */
  function photoError(code, message) {
    if (LANG !== "en" && code && has("error." + code)) {
      // keep the figures the server's sentence carries, e.g. "(20 x 20 pixels)"
      var size = /\((\d+) x (\d+) pixels\)/.exec(message || "");
      return t("error." + code) + (size ? " (" + size[1] + " × " + size[2] + " pixels)" : "");
    }
    return message || (code && STRINGS.en["error." + code]) || code || "";
  }

  /** "not_an_image: the content is…" → {code, label, detail}: the label translated when known. */
  function skipReason(reason) {
    var text = String(reason || "");
    var match = /^([a-z_]+):\s*(.*)$/.exec(text);
    if (!match) return { code: "", label: text, detail: "" };
    var code = match[1];
    var key = "skip." + code;
    var label = STRINGS[LANG][key] || STRINGS.en[key] || code.replace(/_/g, " ");
    return { code: code, label: label, detail: match[2] };
  }

  /** Intake notices come in English; the known ones are translated. */
  function notice(text) {
    var identical = /^(\d+) identical file\(s\) in this drop were counted once\.$/.exec(String(text));
    if (identical) return t("notice.identical", { n: Number(identical[1]) });
    return String(text);
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /** Always 24-hour HH:MM:SS, whatever the locale. */
  function clock(date) {
    date = date || new Date();
    return pad2(date.getHours()) + ":" + pad2(date.getMinutes()) + ":" + pad2(date.getSeconds());
  }

  var numberFormat = new Intl.NumberFormat(LANG);
  var volumeFormat = new Intl.NumberFormat(LANG, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  var percentFormat = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 });
  var dateFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short" });

  function number(n) {
    return numberFormat.format(Number(n) || 0);
  }

  function volume(m3) {
    return volumeFormat.format(Number(m3) || 0) + " m³";
  }

  function percent(value) {
    return percentFormat.format((Number(value) || 0) / 100);
  }

  var cellFormat = new Intl.NumberFormat(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  /** A volume in m³ without its unit, always two decimals (right-aligned table cells under
   * a "(m³)" heading). */
  function decimal(m3) {
    return cellFormat.format(Number(m3) || 0);
  }

  /** createdAt is seconds since the epoch (the server's float), or an ISO string. */
  function dateTime(value) {
    if (value === null || value === undefined || value === "") return "";
    var date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return isNaN(date.getTime()) ? String(value) : dateFormat.format(date);
  }

  function bytes(n) {
    n = Number(n) || 0;
    var units = ["B", "KB", "MB", "GB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    var digits = i === 0 || n >= 100 ? 0 : 1;
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: digits }).format(n) + " " + t("size." + units[i]);
  }

  /** Create an element: el("span", "badge", "text"). */
  function el(tag, className, text) {
    var node = global.document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setText(node, text) {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  }

  // Same-origin JSON request: resolves with the body, rejects with the server's message.
  function fetchJson(url, options) {
    var init = Object.assign({ credentials: "same-origin" }, options || {});
    init.headers = Object.assign({ Accept: "application/json" }, init.headers || {});
    return fetch(url, init).then(function (res) {
      return res
        .json()
        .catch(function () {
          return null;
        })
        .then(function (body) {
          if (!res.ok) {
            var message = body && body.error && body.error.message;
            var error = new Error(message || "HTTP " + res.status);
            error.status = res.status; // 401 / 403: the sign-in, which retrying will not fix
            throw error;
          }
          return body || {};
        });
    });
  }

  /** A catalogue search result (the add-item pickers of the inventory and of a photo):
   * its name in the page's language, the other language's, and its volume. */
  function catalogueOption(item, selected) {
    var li = el("li", "catalogue-result");
    li.setAttribute("role", "option");
    li.setAttribute("data-label", item.label);
    li.setAttribute("aria-selected", String(selected));
    li.tabIndex = -1;
    var main = LANG === "fr" ? item.fr : item.en;
    var other = LANG === "fr" ? item.en : item.fr;
    li.appendChild(el("span", "result-name", main));
    li.appendChild(el("span", "result-other muted", other));
    li.appendChild(el("span", "result-volume muted", volume(item.unitVolume_m3)));
    return li;
  }

  global.PL = {
    fetchJson: fetchJson,
    catalogueOption: catalogueOption,
    lang: LANG,
    t: t,
    applyI18n: applyI18n,
    statusLabel: statusLabel,
    roomLabel: roomLabel,
    roomDisplay: roomDisplay,
    projectName: projectName,
    projectLabel: projectLabel,
    analyzerLabel: analyzerLabel,
    pluralForm: pluralForm,
    flagLabel: flagLabel,
    photoError: photoError,
    skipReason: skipReason,
    notice: notice,
    clock: clock,
    number: number,
    volume: volume,
    percent: percent,
    decimal: decimal,
    dateTime: dateTime,
    bytes: bytes,
    el: el,
    setText: setText,
    FINAL_STATUSES: ["COMPLETED", "PARTIAL", "FAILED", "CANCELLED"]
  };
})(window);
