/* Check-in page of the meeting day: scan or search, check in, undo — with or without the network.
 *
 * The meeting's list (name, organisation, sector, status: what check-in needs) is kept in IndexedDB,
 * so the page answers at once and keeps working offline. Every check-in or undo gets an id made here
 * (a UUID) and waits in a queue, also in IndexedDB, until the server has answered it; the server
 * applies each id once, so sending the queue again after a lost answer changes nothing. The server's
 * answer wins: a person checked in meanwhile on another phone is reported as a conflict.
 * The list is deleted when the meeting ends, when staff sign out from this page, and when the server
 * says the session is over; the queue holds only ids and times, and is kept until it is sent.
 */
(function () {
  "use strict";

  var root = document.getElementById("checkin");
  if (!root || !window.indexedDB || !window.fetch) {
    return;
  }
  var config = JSON.parse(root.dataset.config);
  var text = JSON.parse(root.dataset.strings);
  var token = document.querySelector("#checkin-walk-in-form input[name=csrfmiddlewaretoken]").value;
  var UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
  var REFRESH_EVERY = 15000;
  var RETRY_EVERY = 10000;
  var SHOWN = 30;
  var keepUntil = Date.parse(config.keepUntil);

  var el = function (id) {
    return document.getElementById(id);
  };
  var people = {}; // public id → person, as the server last said plus what this phone did since
  var sorted = [];
  var queued = 0;
  var device = null;
  var db = null;
  var sending = false;
  var lastResult = null;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name] !== undefined ? String(values[name]) : match;
    });
  }

  function clock(iso) {
    var date = new Date(iso);
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function fold(value) {
    return (value || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  /* ---- IndexedDB: people (by meeting), queue (check-ins to send), meta (device id, meetings' end) ---- */

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () {
        resolve(req.result);
      };
      req.onerror = function () {
        reject(req.error);
      };
    });
  }

  function open() {
    var req = indexedDB.open("onmt-checkin", 1);
    req.onupgradeneeded = function () {
      var base = req.result;
      base.createObjectStore("people", { keyPath: "key" }).createIndex("meeting", "meeting");
      base.createObjectStore("queue", { keyPath: "id" }).createIndex("meeting", "meeting");
      base.createObjectStore("meta", { keyPath: "key" });
    };
    return request(req);
  }

  function store(name, mode) {
    return db.transaction(name, mode || "readonly").objectStore(name);
  }

  function done(transaction) {
    return new Promise(function (resolve, reject) {
      transaction.oncomplete = resolve;
      transaction.onerror = transaction.onabort = function () {
        reject(transaction.error);
      };
    });
  }

  function ofMeeting(name, meeting) {
    return request(store(name).index("meeting").getAll(meeting));
  }

  function forgetPeople(meeting) {
    var transaction = db.transaction(["people", "meta"], "readwrite");
    var index = transaction.objectStore("people").index("meeting");
    index.openKeyCursor(IDBKeyRange.only(meeting)).onsuccess = function (event) {
      var cursor = event.target.result;
      if (cursor) {
        transaction.objectStore("people").delete(cursor.primaryKey);
        cursor.continue();
      }
    };
    transaction.objectStore("meta").delete("meeting:" + meeting);
    return done(transaction);
  }

  function forgetPages() {
    return window.caches
      ? caches.keys().then(function (keys) {
          return Promise.all(
            keys.filter(function (key) {
              return key.indexOf("onmt-checkin-") === 0;
            }).map(function (key) {
              return caches.delete(key);
            })
          );
        })
      : Promise.resolve();
  }

  function forgetEndedMeetings() {
    return request(store("meta").getAll()).then(function (entries) {
      var over = entries.filter(function (entry) {
        return entry.key.indexOf("meeting:") === 0 && entry.keepUntil < Date.now();
      });
      return Promise.all(over.map(function (entry) {
        return forgetPeople(entry.meeting);
      }));
    });
  }

  function savePeople(list) {
    if (Date.now() >= keepUntil) {
      return Promise.resolve();
    }
    var transaction = db.transaction(["people", "meta"], "readwrite");
    var peopleStore = transaction.objectStore("people");
    list.forEach(function (person) {
      peopleStore.put(Object.assign({ key: config.meeting + ":" + person.id, meeting: config.meeting }, person));
    });
    transaction.objectStore("meta").put({ key: "meeting:" + config.meeting, meeting: config.meeting, keepUntil: keepUntil });
    return done(transaction);
  }

  function deviceId() {
    return request(store("meta").get("device")).then(function (entry) {
      if (entry) {
        return entry.value;
      }
      var value = uuid();
      return request(store("meta", "readwrite").put({ key: "device", value: value })).then(function () {
        return value;
      });
    });
  }

  /* ---- what the page shows ---- */

  function setPeople(list) {
    list.forEach(function (person) {
      people[person.id] = person;
    });
    sorted = Object.keys(people).map(function (id) {
      var person = people[id];
      person.folded = fold(person.name + " " + person.organisation);
      return person;
    }).sort(function (a, b) {
      return a.name.localeCompare(b.name);
    });
    renderList();
  }

  function showConnection() {
    var online = navigator.onLine;
    var line = el("checkin-connection");
    line.hidden = false;
    line.dataset.state = online ? "online" : "offline";
    el("checkin-network").textContent = online ? text.online : text.offline;
    el("checkin-waiting").textContent = queued ? format(text.waiting, { count: queued }) : text.allSent;
  }

  function announce(message) {
    el("checkin-announce").textContent = message;
  }

  // kind: ok (green), warn (amber), stop (red).
  function showResult(kind, title, person, detail, undoable) {
    var box = el("checkin-result");
    box.hidden = false;
    box.dataset.kind = kind;
    el("checkin-result-title").textContent = title;
    el("checkin-result-name").textContent = person ? person.name : "";
    el("checkin-result-detail").textContent = person ? person.organisation + (detail ? " — " + detail : "") : detail || "";
    el("checkin-undo").hidden = !undoable;
    lastResult = person && undoable ? person.id : null;
    announce(title + (person ? " : " + person.name : ""));
    if (navigator.vibrate) {
      navigator.vibrate(kind === "ok" ? 80 : [60, 60, 60]);
    }
  }

  function notice(message) {
    var item = document.createElement("li");
    item.className = "checkin-notice";
    item.textContent = message;
    el("checkin-notices").prepend(item);
  }

  function statusLine(person) {
    if (person.status === "attended") {
      return format(text.arrivedAt, { time: clock(person.attendedAt) }) + (person.walkIn ? " — " + text.walkIn : "");
    }
    if (person.status === "cancelled") {
      return text.cancelled;
    }
    if (person.status === "waitlisted" || person.status === "offered") {
      return text.waitlisted;
    }
    return "";
  }

  function renderList() {
    var words = fold(el("checkin-q").value).split(/\s+/).filter(Boolean);
    var matches = sorted.filter(function (person) {
      return words.every(function (word) {
        return person.folded.indexOf(word) !== -1;
      });
    });
    var list = el("checkin-list");
    list.textContent = "";
    matches.slice(0, SHOWN).forEach(function (person) {
      var item = document.createElement("li");
      item.className = "checkin-person";
      item.dataset.status = person.status;
      var who = document.createElement("div");
      var name = document.createElement("strong");
      name.dir = "auto";
      name.textContent = person.name;
      var organisation = document.createElement("span");
      organisation.dir = "auto";
      organisation.textContent = person.organisation + " · " + (text.sectors[person.sector] || "");
      who.append(name, organisation);
      item.append(who);
      if (person.status === "confirmed") {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button checkin-tap";
        button.textContent = text.checkIn;
        button.setAttribute("aria-label", format(text.checkInNamed, { name: person.name }));
        button.dataset.person = person.id;
        item.append(button);
      } else {
        var state = document.createElement("span");
        state.className = "checkin-state";
        state.textContent = statusLine(person);
        item.append(state);
      }
      list.append(item);
    });
    var count = el("checkin-count");
    if (!sorted.length) {
      count.textContent = text.loading;
    } else if (!matches.length) {
      count.textContent = text.nobody;
    } else if (matches.length > SHOWN) {
      count.textContent = format(text.more, { count: matches.length - SHOWN });
    } else {
      count.textContent = words.length ? format(text.found, { count: matches.length }) : "";
    }
  }

  function showFigures(figures, at) {
    el("figure-arrived").textContent = figures.arrived;
    el("figure-expected").textContent = figures.expected;
    el("figure-arrived-expected").textContent = figures.arrived_expected;
    el("figure-walk-ins").textContent = figures.walk_ins;
    el("figure-seats-free").textContent = figures.seats_free;
    var body = el("figure-sectors");
    body.textContent = "";
    figures.by_sector.forEach(function (line) {
      var row = document.createElement("tr");
      var head = document.createElement("th");
      head.scope = "row";
      head.textContent = line.label;
      var expected = document.createElement("td");
      expected.textContent = line.expected;
      var arrived = document.createElement("td");
      arrived.textContent = line.arrived;
      row.append(head, expected, arrived);
      body.append(row);
    });
    el("figure-updated").textContent = format(text.updatedAt, { time: clock(at) });
  }

  /* ---- check-in, undo, and the queue ---- */

  function enqueue(person, action) {
    var operation = {
      id: uuid(),
      meeting: config.meeting,
      registration: person.id,
      action: action,
      at: new Date().toISOString(),
      seq: Date.now() + Math.random(),
    };
    return request(store("queue", "readwrite").put(operation)).then(function () {
      return savePeople([person]);
    }).then(function () {
      return countQueue();
    }).then(send);
  }

  function checkIn(id, listRefreshed) {
    var person = people[id];
    if (!person && navigator.onLine && !listRefreshed) {
      // Registered since the list was taken, perhaps: the server's list decides.
      refresh().then(function () {
        checkIn(id, true);
      });
      return;
    }
    if (!person) {
      showResult("stop", text.notRegistered, null, "", false);
      return;
    }
    if (person.status === "attended") {
      showResult("warn", format(text.already, { time: clock(person.attendedAt) }), person, "", false);
    } else if (person.status === "cancelled") {
      showResult("stop", text.cancelled, person, "", false);
    } else if (person.status === "waitlisted" || person.status === "offered") {
      showResult("stop", text.waitlisted, person, "", false);
    } else {
      person.status = "attended";
      person.attendedAt = new Date().toISOString();
      showResult("ok", text.checkedIn, person, clock(person.attendedAt), true);
      renderList();
      enqueue(person, "check_in");
    }
  }

  function undo() {
    var person = people[lastResult];
    if (!person || person.status !== "attended") {
      return;
    }
    person.status = "confirmed";
    person.attendedAt = null;
    showResult("warn", text.undone, person, "", false);
    renderList();
    enqueue(person, "undo");
  }

  function countQueue() {
    return ofMeeting("queue", config.meeting).then(function (operations) {
      queued = operations.length;
      showConnection();
      return operations;
    });
  }

  function json(response) {
    // A session that ended answers with the login page (a redirect): not this page's JSON.
    var type = response.headers.get("Content-Type") || "";
    if (response.redirected || type.indexOf("application/json") === -1) {
      return signedOut().then(function () {
        throw new Error("signed out");
      });
    }
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    return response.json();
  }

  function send() {
    if (sending || !navigator.onLine) {
      return Promise.resolve();
    }
    sending = true;
    return countQueue().then(function (operations) {
      if (!operations.length) {
        return null;
      }
      operations.sort(function (a, b) {
        return a.seq - b.seq;
      });
      var batch = operations.slice(0, 200);
      return fetch(config.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({
          device: device,
          operations: batch.map(function (operation) {
            return { id: operation.id, registration: operation.registration, action: operation.action, at: operation.at };
          }),
        }),
      }).then(json).then(function (answer) {
        return applyAnswers(batch, answer);
      });
    }).then(function () {
      sending = false;
      return countQueue();
    }).then(function (operations) {
      // Taps made while a batch was on its way are sent now rather than at the next refresh.
      if (operations.length) {
        return send();
      }
      return null;
    }, function () {
      sending = false;
      showConnection();
      setTimeout(send, RETRY_EVERY);
    });
  }

  function applyAnswers(batch, answer) {
    var byId = {};
    batch.forEach(function (operation) {
      byId[operation.id] = operation;
    });
    var transaction = db.transaction("queue", "readwrite");
    var changed = [];
    answer.results.forEach(function (result) {
      var operation = byId[result.id];
      transaction.objectStore("queue").delete(result.id);
      var person = operation && people[operation.registration];
      if (!person) {
        return;
      }
      if (result.status) {
        person.status = result.status;
        person.attendedAt = result.attendedAt;
        changed.push(person);
      }
      if (result.conflict) {
        notice(person.name + " — " + format(text.conflict, { time: clock(result.attendedAt) }));
        if (lastResult === person.id) {
          showResult("warn", format(text.conflict, { time: clock(result.attendedAt) }), person, "", false);
        }
      } else if (result.outcome === "cancelled" || result.outcome === "waitlisted" || result.outcome === "not_registered") {
        notice(person.name + " — " + text[result.outcome === "not_registered" ? "notRegistered" : result.outcome]);
      }
    });
    showFigures(answer.figures, new Date().toISOString());
    return done(transaction).then(function () {
      renderList();
      return savePeople(changed);
    });
  }

  function refresh() {
    if (!navigator.onLine || document.hidden) {
      return Promise.resolve();
    }
    return fetch(config.dataUrl, { credentials: "same-origin", cache: "no-store" }).then(json).then(function (data) {
      // What this phone did and has not sent yet stays as the phone shows it.
      return ofMeeting("queue", config.meeting).then(function (operations) {
        var pending = {};
        operations.forEach(function (operation) {
          pending[operation.registration] = true;
        });
        var fresh = data.people.filter(function (person) {
          return !pending[person.id];
        });
        setPeople(fresh);
        showFigures(data.figures, data.at);
        return savePeople(fresh);
      });
    }).catch(function () {
      showConnection();
    });
  }

  function signedOut() {
    return forgetPeople(config.meeting).then(forgetPages).then(function () {
      people = {};
      sorted = [];
      renderList();
      notice(text.signedOut);
    });
  }

  var ended = false;

  function meetingEnded() {
    if (ended || Date.now() < keepUntil) {
      return Promise.resolve();
    }
    ended = true;
    return forgetPeople(config.meeting).then(forgetPages).then(function () {
      notice(text.ended);
    });
  }

  /* ---- camera ---- */

  var stream = null;
  var video = el("checkin-video");
  var canvas = document.createElement("canvas");
  var lastCode = null;
  var lastCodeAt = 0;

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      showResult("warn", text.cameraError, null, "", false);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      el("checkin-video-box").hidden = false;
      el("checkin-camera").hidden = true;
      return video.play();
    }).then(function () {
      setTimeout(readFrame, 150);
    }).catch(function () {
      stopCamera();
      showResult("warn", text.cameraError, null, "", false);
    });
  }

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
    stream = null;
    el("checkin-video-box").hidden = true;
    el("checkin-camera").hidden = false;
  }

  function readFrame() {
    if (!stream) {
      return;
    }
    if (video.videoWidth) {
      // At most 640 px wide: enough for a code held at arm's length, light for a phone's processor.
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) {
        scanned(code.data);
      }
    }
    setTimeout(readFrame, 200);
  }

  function scanned(data) {
    // The same code held in front of the camera is read many times a second: one answer per 4 s.
    if (data === lastCode && Date.now() - lastCodeAt < 4000) {
      return;
    }
    lastCode = data;
    lastCodeAt = Date.now();
    var match = UUID.exec(data);
    if (!match) {
      showResult("stop", text.unknownCode, null, "", false);
      return;
    }
    checkIn(match[0].toLowerCase());
  }

  /* ---- signing out, walk-ins offline ---- */

  function leave(event) {
    var form = event.target;
    event.preventDefault();
    send().then(countQueue).then(function () {
      if (queued && !window.confirm(text.logoutQueued)) {
        return false;
      }
      db.close();
      return Promise.all([
        request(indexedDB.deleteDatabase("onmt-checkin")),
        forgetPages(),
        navigator.serviceWorker
          ? navigator.serviceWorker.getRegistrations().then(function (registrations) {
              return Promise.all(registrations.map(function (registration) {
                return registration.unregister();
              }));
            })
          : null,
      ]).then(function () {
        return true;
      });
    }).then(function (go) {
      if (go) {
        form.removeEventListener("submit", leave);
        form.submit();
      }
    });
  }

  function wire() {
    el("checkin-scan").hidden = false;
    el("checkin-search").hidden = false;
    el("checkin-q").addEventListener("input", renderList);
    el("checkin-list").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-person]");
      if (button) {
        checkIn(button.dataset.person);
        el("checkin-result").focus();
      }
    });
    el("checkin-undo").addEventListener("click", undo);
    el("checkin-camera").addEventListener("click", startCamera);
    el("checkin-camera-stop").addEventListener("click", stopCamera);
    el("checkin-walk-in-form").addEventListener("submit", function (event) {
      if (!navigator.onLine) {
        event.preventDefault();
        notice(text.walkInOffline);
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (form.getAttribute("action") === config.logoutUrl) {
        form.addEventListener("submit", leave);
      }
    });
    window.addEventListener("online", function () {
      showConnection();
      send().then(refresh);
    });
    window.addEventListener("offline", showConnection);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        send().then(refresh);
      }
    });
    // After the meeting's end the list is no longer stored, but what waits in the queue is still sent.
    setInterval(function () {
      meetingEnded().then(send).then(refresh);
    }, REFRESH_EVERY);
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(config.workerUrl, { scope: config.workerUrl.replace(/[^/]*$/, "") }).catch(function () {
      // Without a worker the page still works while it stays open; only a reload offline fails.
    });
  }

  open().then(function (base) {
    db = base;
    return deviceId();
  }).then(function (id) {
    device = id;
    wire();
    return forgetEndedMeetings();
  }).then(meetingEnded).then(function () {
    return ofMeeting("people", config.meeting);
  }).then(function (kept) {
    setPeople(kept);
    showConnection();
    return send().then(refresh);
  });
})();
