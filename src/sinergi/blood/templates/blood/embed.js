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
  // One line is 38 px; the ticker then says how tall it is (every unit on its own line),
  // unless the host fixed the height with data-height.
  var fixed = me.getAttribute("data-height");
  frame.height = fixed || "38";
  frame.frameBorder = "0";
  frame.style.border = "0";
  frame.style.display = "block";
  if (!fixed) {
    var origin = new URL(base, window.location.href).origin;
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== frame.contentWindow || event.origin !== origin) { return; }
      if (!data || data.type !== "sinergi-ticker-height") { return; }
      var height = Math.round(Number(data.height));
      if (height > 0 && height < 2000) { frame.height = String(height); }
    });
  }
  me.parentNode.insertBefore(frame, me);
})();
