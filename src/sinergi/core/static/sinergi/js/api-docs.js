// Starts Redoc on the API documentation page; marks the page ready once it has drawn
// (data-docs-ready on <html>), which the browser tests wait for.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("api-docs");
  const options = JSON.parse(document.getElementById("redoc-settings").textContent);
  window.Redoc.init(element.dataset.openapiUrl, options, element, (error) => {
    document.documentElement.dataset.docsReady = error ? "error" : "true";
  });
});
