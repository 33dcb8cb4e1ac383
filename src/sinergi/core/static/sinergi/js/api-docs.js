// Starts Redoc on the API documentation page; marks the page ready once it has drawn
// (data-docs-ready on <html>), which the browser tests wait for.

// Redoc's side menu shows a logo from its CDN. The app calls no other host (and its CSP
// would refuse): the image gets this site's own icon instead.
const ownImage = (value) => {
  const url = new URL(String(value), window.location.href);
  if (url.origin === window.location.origin || url.protocol === "data:") return value;
  return document.querySelector("link[rel=icon][type='image/svg+xml']").href;
};
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  const own = this instanceof HTMLImageElement && name.toLowerCase() === "src";
  return setAttribute.call(this, name, own ? ownImage(value) : value);
};
const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
Object.defineProperty(HTMLImageElement.prototype, "src", {
  ...src,
  set(value) { src.set.call(this, ownImage(value)); },
});

document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("api-docs");
  const options = JSON.parse(document.getElementById("redoc-settings").textContent);
  window.Redoc.init(element.dataset.openapiUrl, options, element, (error) => {
    document.documentElement.dataset.docsReady = error ? "error" : "true";
  });
});
