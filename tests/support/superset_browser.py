"""Superset's dashboard seen in headless Chromium (the report tests' DevTools driver).

``DashboardPage`` logs in through the login form (typing as a person would), opens a
dashboard, waits until every chart has finished loading, reads what each chart shows,
chooses a value in a native filter, applies it, and saves screenshots.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from support.chromium import CHROMIUM, FLAGS, INSTALL_HINT, _DevTools, _devtools_url, _stop

#: Where the browser test leaves its screenshots (``out/`` is gitignored).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "superset-screenshots"
# Loopback only: the JS build's telemetry pixel is blocked by the resolver rule in FLAGS.


class DashboardPage:
    """One browser tab on one Superset."""

    def __init__(self, tools: _DevTools, session: str, base_url: str) -> None:
        self.tools = tools
        self.session = session
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.tools.call(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression[:80]}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.tools.drain(0.25)
        raise TimeoutError(f"waited {timeout:.0f} s for {what}")

    def navigate(self, path: str) -> None:
        self.call("Page.navigate", url=self.base_url + path)
        self.tools.wait_for("Page.loadEventFired", timeout=60)

    def type_into(self, selector: str, text: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
                text="\r" if kind == "keyDown" else "",
            )

    def login(self, username: str, password: str) -> None:
        self.navigate("/login/")
        self.wait_for("!!document.querySelector('input#username')", 60, "the login form")
        self.type_into("input#username", username)
        self.type_into("input#password", password)
        self.press_enter()
        self.wait_for(
            "!location.pathname.startsWith('/login')", 60, "the login to lead off the form"
        )

    def screenshot(self, path: Path) -> None:
        """The viewport as it is (set tall enough by ``browser``): resizing re-renders."""
        data = self.call("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))


@contextlib.contextmanager
def browser(base_url: str, *, width: int = 1440, height: int = 4400) -> Iterator[DashboardPage]:
    """A headless Chromium with a fresh profile and one tab; stopped on exit."""
    if CHROMIUM is None:
        raise RuntimeError(f"chromium not found: {INSTALL_HINT}")
    profile = tempfile.mkdtemp(prefix="dcat-quality-superset-chromium-")
    process = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        tools = _DevTools(_devtools_url(process))
        try:
            target = tools.call("Target.createTarget", url="about:blank")["targetId"]
            session = tools.call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            for domain in ("Runtime", "Page", "Network"):
                tools.call(f"{domain}.enable", session)
            tools.call(
                "Emulation.setDeviceMetricsOverride",
                session,
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            yield DashboardPage(tools, session, base_url)
        finally:
            tools.close()
    finally:
        _stop(process)
        shutil.rmtree(profile, ignore_errors=True)


#: Per chart on the dashboard: its title, whether it shows an error, and what it draws.
CHARTS_STATE = """
[...document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')].map(h => ({
  title: ((h.querySelector('[data-test="editable-title"], .header-title') || {}).textContent
          || '').trim(),
  loading: !!h.querySelector('[data-test="loading-indicator"], .loading'),
  error: !!h.querySelector('[role="alert"], .ant-alert-error, [data-test="error-tooltip"]')
         || /unexpected error|erreur inattendue|error:/i.test(h.textContent),
  canvas: Math.max(0, ...[...h.querySelectorAll('canvas')].map(c => c.toDataURL().length)),
  rows: h.querySelectorAll('tbody tr').length,
  value: ((h.querySelector('.header-line') || {}).textContent || '').trim(),
  text: h.textContent.slice(0, 400),
}))
"""


def _settled(chart: dict[str, Any]) -> bool:
    drawn = chart["canvas"] > 0 or chart["rows"] > 0 or bool(chart["value"])
    return not chart["loading"] and (chart["error"] or drawn)


def charts_state(page: DashboardPage, expected: int, timeout: float = 120) -> list[dict[str, Any]]:
    """Every chart, once all ``expected`` have drawn something or shown an error (after
    ``timeout``, as they are: the caller's assertions then name the chart)."""
    deadline = time.monotonic() + timeout
    state: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        state = page.evaluate(CHARTS_STATE) or []
        if len(state) == expected and all(_settled(c) for c in state):
            page.tools.drain(1.0)  # let the last chart paint
            return list(page.evaluate(CHARTS_STATE) or [])
        page.tools.drain(0.5)
    return state


_OPEN_SELECT = """(() => {
  const boxes = [...document.querySelectorAll('.ant-form-item')];
  for (const box of boxes) {
    if (!box.innerText.includes(NAME)) continue;
    const select = box.querySelector('.ant-select-selector');
    if (!select) continue;
    select.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
    return true;
  }
  return false;
})()"""
_OPTIONS = "[...document.querySelectorAll('.ant-select-item-option')]"


def choose_filter_value(page: DashboardPage, filter_name: str, option: str) -> None:
    """Open the filter's select in the filter bar, type, pick ``option``, apply."""
    if not page.evaluate(_OPEN_SELECT.replace("NAME", json.dumps(filter_name))):
        raise RuntimeError(f"no filter named {filter_name!r} in the filter bar")
    page.call("Input.insertText", text=option)
    wanted = json.dumps(option)
    page.wait_for(
        f"{_OPTIONS}.some(o => o.innerText.trim() === {wanted})", 30, f"the option {option!r}"
    )
    page.evaluate(f"{_OPTIONS}.find(o => o.innerText.trim() === {wanted}).click()")
    page.tools.drain(0.5)
    page.evaluate(
        "[...document.querySelectorAll('button')]"
        ".find(b => /apply filters|appliquer/i.test(b.innerText)).click()"
    )
