// Programme pages: the Gantt opens at today (or the first late item) with scroll cues,
// item lists get a filter box, and a new programme's code is suggested from its title and
// year. Progressive enhancement: every page and form works without this file.
(() => {
  "use strict";

  function initGantt(wrap) {
    const frame = wrap.closest(".gantt-frame");
    const labels = wrap.querySelector(".gantt-labels");
    const chartWidth = () => wrap.clientWidth - (labels ? labels.offsetWidth : 0);
    // Put chart x at a third of the visible chart, so a little of the past shows too.
    const goTo = (x) => {
      wrap.scrollLeft = Math.max(0, x - chartWidth() / 3);
    };
    const cue = () => {
      const max = wrap.scrollWidth - wrap.clientWidth;
      frame.classList.toggle("more-left", wrap.scrollLeft > 2);
      frame.classList.toggle("more-right", wrap.scrollLeft < max - 2);
    };
    wrap.addEventListener("scroll", cue, { passive: true });
    window.addEventListener("resize", cue);
    const targets = {
      start: () => { wrap.scrollLeft = 0; },
      end: () => { wrap.scrollLeft = wrap.scrollWidth; },
      today: () => goTo(Number(wrap.dataset.todayX)),
      focus: () => goTo(Number(wrap.dataset.focusX)),
      late: () => goTo(Number(wrap.dataset.lateX)),
    };
    const tools = frame.parentElement.querySelector(".gantt-tools");
    if (tools) {
      tools.hidden = false;
      tools.addEventListener("click", (event) => {
        const button = event.target.closest("[data-gantt-go]");
        if (button && targets[button.dataset.ganttGo]) targets[button.dataset.ganttGo]();
      });
    }
    targets.focus();
    cue();
    wrap.dataset.ready = "true";
  }

  // A <select> with a filter box: options whose text does not contain every typed word
  // are hidden (chosen ones stay visible so that a choice is never hidden).
  function initFilter(box) {
    const select = document.getElementById(box.dataset.filterFor);
    if (!select) return;
    box.hidden = false;
    const input = box.querySelector("input");
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const option of select.options) {
        const text = option.textContent.toLowerCase();
        option.hidden = !option.selected && !words.every((w) => text.includes(w));
      }
    });
  }

  // Same rule as programs.forms.suggest_program_code (the server fills a blank code).
  const STOP = new Set(("dan di ke dari untuk yang pada dengan serta atau program kegiatan " +
    "pembangunan peningkatan percepatan penanganan kabupaten kota tahun the of and for").split(" "));

  function suggestCode(title, year) {
    const words = title.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toUpperCase()
      .split(/[^A-Z0-9]+/).filter((w) => w && !STOP.has(w.toLowerCase()) && w !== year);
    const parts = words.slice(0, 3).map((w) => w.slice(0, 10));
    if (year) parts.push(year);
    return parts.join("-").slice(0, 40).replace(/-+$/, "");
  }

  function initCode(form) {
    const code = form.querySelector("input[name=code]");
    const title = form.querySelector("input[name=title]");
    const start = form.querySelector("input[name=planned_start]");
    if (!code || !title || code.disabled) return;
    let auto = code.value === "";
    code.addEventListener("input", () => { auto = code.value === ""; });
    const fill = () => {
      if (!auto) return;
      const year = start && /^\d{4}/.test(start.value) ? start.value.slice(0, 4) : "";
      code.value = suggestCode(title.value, year);
    };
    title.addEventListener("input", fill);
    if (start) start.addEventListener("change", fill);
  }

  // A link to a form folded in a <details> opens it.
  function openTarget() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  }

  document.querySelectorAll(".gantt-wrap[data-focus-x]").forEach(initGantt);
  document.querySelectorAll("[data-filter-for]").forEach(initFilter);
  document.querySelectorAll("form[data-suggest-code]").forEach(initCode);
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
