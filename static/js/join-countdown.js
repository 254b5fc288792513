// An online registrant's join page before the video meeting opens: counts down the seconds the server
// gave (not the device's clock, which may be wrong) and reloads the page at zero, which then forwards to
// the meeting. Without script, the page shows the time left as the server rendered it.
(function () {
  "use strict";
  var counter = document.getElementById("join-countdown");
  if (!counter) {
    return;
  }
  var deadline = Date.now() + Number(counter.getAttribute("data-seconds")) * 1000;

  function two(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var days = Math.floor(left / 86400);
    var clock = two(Math.floor((left % 86400) / 3600)) + ":" + two(Math.floor((left % 3600) / 60)) + ":" + two(left % 60);
    // Digits and colons read the same in every language; the days' label is the page's (data-days-label).
    counter.textContent = days > 0 ? counter.getAttribute("data-days-label").replace("%d", days) + " " + clock : clock;
    if (left === 0) {
      window.location.reload();
    } else {
      window.setTimeout(tick, 1000);
    }
  }

  tick();
})();
