// Small progressive enhancements; every page works without this file.
const english = () => document.documentElement.lang === "en";

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.classList.contains("danger")) {
    const message = english() ? "Are you sure?" : "Anda yakin?";
    if (!window.confirm(message)) event.preventDefault();
  }
});

// A table or chart wider than its box scrolls inside the box. Such a box gets keyboard focus
// (arrow keys scroll it), a name for screen readers and a visible hint; the hint goes again
// when the box fits (a wider screen).
const SCROLLERS = ".table-wrap, .insights-heat-wrap, [data-scroll-box]";

function scrollName(box) {
  const caption = box.querySelector("caption, figcaption");
  if (caption) return caption.textContent.trim();
  const section = box.closest("section, article");
  const heading = section && section.querySelector("h2, h3");
  if (heading) return heading.textContent.trim();
  return english() ? "Scrollable table" : "Tabel yang dapat digeser";
}

function markScrollers(root) {
  (root || document).querySelectorAll(SCROLLERS).forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    const hint = box.previousElementSibling;
    const hasHint = hint && hint.classList.contains("scroll-hint");
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollMarked = "1";
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", scrollName(box));
    }
    if (!scrolls && box.dataset.scrollMarked) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollMarked;
    }
    box.classList.toggle("is-scrollable", scrolls);
    if (scrolls && !hasHint) {
      const p = document.createElement("p");
      p.className = "scroll-hint";
      p.setAttribute("aria-hidden", "true");
      p.textContent = english() ? "Swipe sideways to see every column →" : "Geser ke samping untuk melihat semua kolom →";
      box.before(p);
    }
    if (!scrolls && hasHint) hint.remove();
  });
}

let resizeTimer = null;
document.addEventListener("DOMContentLoaded", () => markScrollers());
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => markScrollers(), 150);
});
document.addEventListener("htmx:afterSettle", (event) => markScrollers(event.target));
