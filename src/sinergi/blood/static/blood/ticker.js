// Tells the page that frames the ticker how tall it is (one line per unit), so the frame
// shows every unit: the embed script (/darah/embed.js) listens for this message, and a
// page with its own <iframe> can too (docs/modules/blood.md). Sends nothing else.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) { return; }
    last = height;
    window.parent.postMessage({ type: "sinergi-ticker-height", height: height }, "*");
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
  send();
})();
