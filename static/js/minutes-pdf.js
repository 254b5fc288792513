// The minutes PDF page while the PDF is being made: asks the page's address for the state every few
// seconds, and reloads the page once the PDF is ready or has failed (it then shows the download
// link, or the reason and a button to try again). Without script, the page has a refresh link.
(function () {
  "use strict";
  var panel = document.querySelector("[data-poll-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-poll-url");
  var delay = 2000;
  var deadline = Date.now() + 5 * 60 * 1000;

  function later() {
    if (Date.now() < deadline) {
      delay = Math.min(delay * 1.5, 10000);
      window.setTimeout(poll, delay);
    }
  }

  function poll() {
    window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.state && answer.state !== "pending") {
          window.location.reload();
        } else {
          later();
        }
      })
      .catch(later);
  }

  window.setTimeout(poll, delay);
})();
