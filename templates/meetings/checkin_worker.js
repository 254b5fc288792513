/* Service worker of the check-in pages (meetings/views/checkin.py serves it from /pointage/).
 *
 * Keeps the page and its files so that a phone can open or reload the page without the network:
 * the page from the network when there is one (then kept), else the copy kept; the static files,
 * whose names change with their content, from the copy. It keeps no registration data: the list is in
 * the page's IndexedDB. The page deletes these copies when staff sign out or the meeting ends.
 */
"use strict";

var CACHE = "onmt-checkin-{{ version }}";
var ASSETS = {{ assets_json|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("onmt-checkin-") === 0 && key !== CACHE;
    }).map(function (key) {
      return caches.delete(key);
    }));
  }).then(function () {
    return self.clients.claim();
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      // A redirect is the login page: never kept in place of the check-in page.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.put(url.pathname, copy);
        });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (kept) {
        return kept || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});
