/* Minutes page: saves what is typed, so that a closed tab or an expired session loses seconds at most.
 *
 * Each textarea's text is sent (only the changed fields, with the text they held as this page knew
 * it: the base of the server's three-way merge) 1.7 s after typing stops, when the field loses focus,
 * and when the page is hidden or closed (a keepalive request). Every keystroke is also kept in
 * localStorage until the server has the text; on load, text found there that the server does not hold
 * is put back into its field and saved. A conflict (409) shows both texts; the editor's choice becomes
 * the new base, and saving resumes. Without this script the page's form posts to the same service.
 */
(function () {
  "use strict";

  var form = document.getElementById("minutes-form");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var statusLine = document.getElementById("minutes-status");
  var notice = document.getElementById("minutes-notice");
  var loginLink = document.getElementById("minutes-login");
  var conflictTemplate = document.getElementById("minutes-conflict-template");
  var conflictWho = document.getElementById("minutes-conflict-who");
  var url = form.dataset.autosaveUrl;
  var storageKey = form.dataset.storageKey;
  var formToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  var SAVE_DELAY = 1700;
  var RETRY_DELAY = 10000;
  // Browsers refuse keepalive bodies over 64 KiB; larger ones are left to localStorage.
  var KEEPALIVE_LIMIT = 60000;

  var areas = {}; // key → textarea
  var confirmed = {}; // key → the text the server is known to hold
  var inFlight = {}; // key → the text of the request under way
  var conflicts = {}; // key → its panel, while the editor has not chosen
  var version = Number(form.dataset.version);
  var conflictVersion = null;
  var pending = null;
  var again = false;
  var timer = null;
  var retryTimer = null;

  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-minutes-field]"), function (area) {
    areas[area.name] = area;
    confirmed[area.name] = area.dataset.base !== undefined ? area.dataset.base : area.value;
  });

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name] !== undefined ? String(values[name]) : match;
    });
  }

  function setStatus(state, values) {
    if (statusLine.dataset.state === state && !values) {
      return;
    }
    statusLine.dataset.state = state;
    statusLine.textContent = format(statusLine.dataset[state], values || {});
    loginLink.hidden = state !== "expired";
  }

  function baseOf(key) {
    return Object.prototype.hasOwnProperty.call(inFlight, key) ? inFlight[key] : confirmed[key];
  }

  function unsaved() {
    var typed = {};
    Object.keys(areas).forEach(function (key) {
      if (areas[key].value !== baseOf(key)) {
        typed[key] = areas[key].value;
      }
    });
    return typed;
  }

  function hasConflicts() {
    return Object.keys(conflicts).length > 0;
  }

  // ------------------------------------------------------------ the copy on this computer

  function readDraft() {
    try {
      var draft = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
      return draft && typeof draft.fields === "object" ? draft : { fields: {} };
    } catch (error) {
      return { fields: {} };
    }
  }

  function writeDraft() {
    var fields = {};
    Object.keys(areas).forEach(function (key) {
      var value = areas[key].value;
      if (value !== confirmed[key]) {
        // Every text of this page the server may hold for the field: finding one of them there means
        // nobody else changed it.
        var known = [confirmed[key]];
        if (Object.prototype.hasOwnProperty.call(inFlight, key)) {
          known.push(inFlight[key]);
        }
        fields[key] = { value: value, known: known };
      }
    });
    try {
      if (Object.keys(fields).length) {
        window.localStorage.setItem(storageKey, JSON.stringify({ fields: fields }));
      } else {
        window.localStorage.removeItem(storageKey);
      }
    } catch (error) {
      // Storage full or disabled: the server's copy is then the only one.
    }
  }

  function restoreDraft() {
    var draft = readDraft();
    var count = 0;
    Object.keys(draft.fields).forEach(function (key) {
      var saved = draft.fields[key];
      var area = areas[key];
      if (!area || !saved || typeof saved.value !== "string" || saved.value === area.value) {
        return;
      }
      var known = Array.isArray(saved.known) ? saved.known : [];
      if (known.indexOf(confirmed[key]) === -1 && typeof known[0] === "string") {
        // Somebody else changed the field since this text was typed: the save will show both texts.
        confirmed[key] = known[0];
      }
      area.value = saved.value;
      count += 1;
    });
    // What the server already holds is dropped from the copy.
    writeDraft();
    if (count) {
      notice.textContent = format(statusLine.dataset.restored, { count: count });
      notice.hidden = false;
      schedule(300);
    }
  }

  // ------------------------------------------------------------ saving

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay === undefined ? SAVE_DELAY : delay);
  }

  function retryLater() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(save, RETRY_DELAY);
  }

  function csrfToken() {
    // After a new login in another tab the token changes: the cookie has the current one.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : formToken;
  }

  function save(options) {
    options = options || {};
    window.clearTimeout(timer);
    window.clearTimeout(retryTimer);
    if (hasConflicts()) {
      return Promise.resolve();
    }
    if (pending && !options.leaving) {
      again = true;
      return pending;
    }
    var typed = unsaved();
    var keys = Object.keys(typed);
    if (!keys.length) {
      return pending || Promise.resolve();
    }
    var base = {};
    keys.forEach(function (key) {
      base[key] = baseOf(key);
    });
    var body = JSON.stringify({ version: version, changes: typed, base: base });
    keys.forEach(function (key) {
      inFlight[key] = typed[key];
    });
    writeDraft();
    setStatus("saving");
    var request = window
      .fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        keepalive: Boolean(options.leaving) && body.length < KEEPALIVE_LIMIT,
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken(),
          "X-Requested-With": "XMLHttpRequest",
        },
        body: body,
      })
      .then(
        function (response) {
          return answered(response, typed);
        },
        function () {
          forget(typed);
          setStatus("offline");
          retryLater();
        }
      )
      .then(function () {
        if (pending === request) {
          pending = null;
        }
        if (again) {
          again = false;
          schedule(0);
        }
      });
    pending = request;
    return request;
  }

  function forget(typed) {
    Object.keys(typed).forEach(function (key) {
      if (inFlight[key] === typed[key]) {
        delete inFlight[key];
      }
    });
  }

  function answered(response, typed) {
    forget(typed);
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
      setStatus("expired");
      retryLater();
      return null;
    }
    if (response.status === 200) {
      return response.json().then(function (data) {
        saved(data, typed);
      });
    }
    if (response.status === 409) {
      return response.json().then(conflicted);
    }
    if (response.status === 400) {
      return response.json().then(
        function (data) {
          setStatus("refused", { error: data.error || "" });
        },
        function () {
          setStatus("refused", { error: "" });
        }
      );
    }
    setStatus("failed");
    retryLater();
    return null;
  }

  function saved(data, typed) {
    Object.keys(typed).forEach(function (key) {
      confirmed[key] = typed[key];
    });
    version = data.version;
    if (data.merged && data.current) {
      // Others saved meanwhile: their text replaces what this page shows in the fields not touched here.
      Object.keys(data.current).forEach(function (key) {
        var area = areas[key];
        if (area && area.value === confirmed[key] && !Object.prototype.hasOwnProperty.call(inFlight, key)) {
          area.value = data.current[key];
          confirmed[key] = data.current[key];
        }
      });
    }
    writeDraft();
    setStatus(data.merged ? "merged" : "saved", { time: data.saved_at_time });
    if (Object.keys(unsaved()).length) {
      schedule();
    }
  }

  // ------------------------------------------------------------ conflicts

  function conflicted(data) {
    conflictVersion = data.version;
    (data.conflicts || []).forEach(showConflict);
    setStatus("conflict");
  }

  function showConflict(conflict) {
    var area = areas[conflict.field];
    if (!area) {
      return;
    }
    if (conflicts[conflict.field]) {
      conflicts[conflict.field].remove();
    }
    var panel = conflictTemplate.content.firstElementChild.cloneNode(true);
    panel.setAttribute("aria-label", conflict.label);
    panel.querySelector(".conflict-who").textContent = format(conflictWho.textContent, {
      name: conflict.saved_by || "—",
      time: conflict.saved_at_time,
    });
    panel.querySelector(".conflict-theirs").textContent = conflict.theirs;
    panel.querySelector(".conflict-mine").textContent = area.value;
    panel.querySelector(".conflict-keep").addEventListener("click", function () {
      resolve(conflict.field, conflict.theirs, null);
    });
    panel.querySelector(".conflict-take").addEventListener("click", function () {
      resolve(conflict.field, conflict.theirs, conflict.theirs);
    });
    area.parentNode.insertBefore(panel, area);
    area.parentNode.classList.add("has-conflict");
    conflicts[conflict.field] = panel;
  }

  function resolve(key, theirs, replacement) {
    // Their text becomes the base: keeping mine then replaces it, taking theirs leaves nothing to save.
    confirmed[key] = theirs;
    if (replacement !== null) {
      areas[key].value = replacement;
    }
    conflicts[key].remove();
    delete conflicts[key];
    areas[key].parentNode.classList.remove("has-conflict");
    areas[key].focus();
    writeDraft();
    if (!hasConflicts()) {
      version = conflictVersion;
      save();
    }
  }

  // ------------------------------------------------------------ events

  Object.keys(areas).forEach(function (key) {
    var area = areas[key];
    area.addEventListener("input", function () {
      writeDraft();
      if (conflicts[key]) {
        conflicts[key].querySelector(".conflict-mine").textContent = area.value;
      }
      if (!hasConflicts()) {
        setStatus("pending");
        schedule();
      }
    });
    area.addEventListener("blur", function () {
      save();
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    save();
  });

  // Decision forms reload the page: the text goes first (at most a few seconds), and a deletion is confirmed.
  Array.prototype.forEach.call(document.querySelectorAll(".decision-form, .decision-delete"), function (other) {
    other.addEventListener("submit", function (event) {
      if (other.dataset.confirm && !window.confirm(other.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      if (hasConflicts() || !Object.keys(unsaved()).length) {
        return;
      }
      event.preventDefault();
      var submitted = false;
      function send() {
        if (!submitted) {
          submitted = true;
          other.submit();
        }
      }
      save().then(send, send);
      window.setTimeout(send, 4000);
    });
  });

  window.addEventListener("pagehide", function () {
    save({ leaving: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save({ leaving: true });
    }
  });
  window.addEventListener("online", function () {
    save();
  });

  restoreDraft();
})();
