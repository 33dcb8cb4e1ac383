/* Sinergi blood ticker: <script src="https://HOST/darah/embed.js" data-unit="udd-pmi-sanggau" async></script> */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) { return; }
  var base = me.src.replace(/\/darah\/embed\.js.*$/, "");
  var unit = me.getAttribute("data-unit") || "";
  var frame = document.createElement("iframe");
  frame.src = base + "/darah/ticker" + (unit ? "?unit=" + encodeURIComponent(unit) : "");
  frame.title = "Ketersediaan darah PMI";
  frame.loading = "lazy";
  frame.setAttribute("scrolling", "no");
  frame.setAttribute("referrerpolicy", "no-referrer");
  frame.width = "100%";
  frame.height = me.getAttribute("data-height") || "40";
  frame.frameBorder = "0";
  me.parentNode.insertBefore(frame, me);
})();
