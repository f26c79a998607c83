"""axe-core on every page a browser test visits: a serious or critical violation fails the test.

axe is added to every document with `add_init_script`, i.e. through the DevTools protocol: the portal's
Content-Security-Policy (no inline script, no eval) does not apply to it, so the policy stays on.

A page is checked before the first action or assertion on it, however it was reached (`goto`, a click, a
form submission): a locator handler matches a document not yet checked, and Playwright runs it, and waits
for it, first. A `load` listener would race the test instead, which may be clicking onwards while axe runs
(`axe.run` yields to the page between rules). `goto` checks the page it leaves if the test did not look at
it (the dashboard reached by signing in), and the page shown at the end is checked again at teardown, with
what scripts changed since. A page left unchecked all the same (a reload, a script's redirect) is reported.
"""

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
TARGETS_SHOWN = 3
CHECKED = "data-axe-checked"  # set on <html> once the document is checked

# The stylesheets are in place at DOMContentLoaded: the deferred scripts before it wait for them.
RUN_AXE = """async ({impacts, checked}) => {
  if (document.readyState === "loading") {
    await new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, {once: true}));
  }
  const results = await axe.run(document, {resultTypes: ["violations"]});
  document.documentElement.setAttribute(checked, "");
  return results.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}"""
IS_CHECKED = "(checked) => document.documentElement.hasAttribute(checked)"


class AxeAudit:
    """The serious and critical violations found on the pages of one browser context."""

    def __init__(self, context):
        self.violations: dict[tuple, dict] = {}  # (url, rule, targets): a page seen twice counts once
        self.visited: set[str] = set()
        self.checked: set[str] = set()
        context.add_init_script(path=AXE_SCRIPT)
        context.on("page", self._watch)

    def check(self, page) -> None:
        if page.is_closed() or page.url == "about:blank":
            return
        url = _document(page.url)
        found = page.evaluate(RUN_AXE, {"impacts": list(BLOCKING_IMPACTS), "checked": CHECKED})
        self.checked.add(url)
        for violation in found:
            self.violations[(url, violation["id"], tuple(violation["targets"]))] = {**violation, "url": url}

    def report(self) -> str:
        """Every violation and every page left unchecked, one line each; "" when there is none."""
        lines = [
            f"{violation['url']}: [{violation['impact']}] {violation['id']}: {violation['help']}; "
            f"at {_targets(violation['targets'])}"
            for violation in self.violations.values()
        ]
        lines += [
            f"{url}: not checked: the test left it without acting or asserting on it"
            for url in sorted(self.visited - self.checked)
        ]
        if not lines:
            return ""
        return "Accessibility (axe-core, serious and critical only):\n" + "\n".join(lines)

    def _watch(self, page) -> None:
        # no_wait_after: about:blank (before the first `goto`) is never marked, and need not be.
        page.add_locator_handler(
            page.locator(f"html:not([{CHECKED}])"), lambda _: self.check(page), no_wait_after=True
        )
        page.on("framenavigated", self._note_visit)
        goto = page.goto

        def goto_after_check(*args, **kwargs):
            if page.url != "about:blank" and not page.evaluate(IS_CHECKED, CHECKED):
                self.check(page)
            return goto(*args, **kwargs)

        page.goto = goto_after_check

    def _note_visit(self, frame) -> None:
        if frame.parent_frame is None and frame.url != "about:blank":
            self.visited.add(_document(frame.url))


def _document(url: str) -> str:
    """The URL without its fragment: following `#main` stays on the document already checked."""
    return url.split("#", 1)[0]


def _targets(targets: list[str]) -> str:
    shown = ", ".join(targets[:TARGETS_SHOWN])
    more = len(targets) - TARGETS_SHOWN
    return f"{shown} (and {more} more)" if more > 0 else shown
