"""Accessibility checks for the browser tests: axe-core run in the page, and a visible focus.

axe-core comes from the PyPI package ``axe-playwright-python`` (a test dependency in
pyproject.toml), which ships ``axe.min.js`` (MPL-2.0) inside the wheel: no CDN, no npm, and
a clean clone gets it with the project's own ``pip install -e ".[test]"``. Only the script
is used; the page runs it through Playwright's ``evaluate``, which the pages' Content
Security Policy does not apply to.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

AXE_BLOCKING = ("serious", "critical")

# WCAG 2.1 A and AA plus axe's best practices; results limited to violations.
AXE_RUN = """async () => {
  const results = await axe.run(document, {
    resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 4).map(n => n.target.join(" ")),
  }));
}"""

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return outline || (style.boxShadow && style.boxShadow !== "none");
}"""


@cache
def axe_source() -> str:
    """The text of axe.min.js from the installed package."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = AXE_BLOCKING) -> list[str]:
    """axe-core's violations of the given impacts on the page, one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'])}"
        for v in page.evaluate(AXE_RUN)
        if v["impact"] in impacts
    ]


def focus_is_visible(page: Any, presses: int = 3) -> bool:
    """Tab ``presses`` times from the top of the page; each focused element is outlined."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        page.keyboard.press("Tab")
        if not page.evaluate(FOCUS_VISIBLE):
            return False
    return True
