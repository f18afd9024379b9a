"""Headless Chromium driven over the DevTools protocol, on loopback only.

``open_page`` serves one folder from a local ``http.server``, loads a page in Chromium
(``--headless``, no sandbox, no GPU, no background networking, every host name but
127.0.0.1 unresolvable), and returns what a reviewer needs: console errors and warnings,
uncaught exceptions, log entries (failed loads…), every URL requested, a few facts
evaluated in the page, and a PNG screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.loopback import serve as serve_handler

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL_HINT = "install it with `apt-get update && apt-get install -y chromium` (Debian)"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    # loopback only: every other host name fails to resolve
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
_DEVTOOLS = re.compile(r"DevTools listening on (ws://\S+)")


@dataclass
class PageResult:
    """What happened while the page loaded."""

    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_entries: list[tuple[str, str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""

    @property
    def errors(self) -> list[str]:
        """Everything a reviewer would call an error in the browser's console."""
        return (
            [
                f"console.{kind}: {text}"
                for kind, text in self.console
                if kind in ("error", "assert", "warning")
            ]
            + [f"exception: {text}" for text in self.exceptions]
            + [
                f"log {level} ({source}): {text}"
                for level, source, text in self.log_entries
                if level in ("error", "warning")
            ]
            + [f"failed request: {url}" for url in self.failed_requests]
        )


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free loopback port; yields the base URL."""
    with serve_handler(functools.partial(_Handler, directory=str(folder))) as url:
        yield url


class _DevTools:
    """A minimal DevTools-protocol client over one websocket (flattened sessions)."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        self.ws.settimeout(30)  # the event readers below shorten it
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.put(reply)

    def wait_for(self, method: str, timeout: float) -> list[dict[str, Any]]:
        """Read events until ``method`` arrives (or the timeout); returns all read."""
        seen: list[dict[str, Any]] = []
        while not self.events.empty():
            seen.append(self.events.get())
        if any(e.get("method") == method for e in seen):
            return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                event = json.loads(self.ws.recv())
            except Exception:  # websocket timeout
                break
            seen.append(event)
            if event.get("method") == method:
                break
        return seen

    def drain(self, seconds: float) -> list[dict[str, Any]]:
        """Read every event arriving in the next ``seconds``."""
        seen: list[dict[str, Any]] = []
        while not self.events.empty():
            seen.append(self.events.get())
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                seen.append(json.loads(self.ws.recv()))
            except Exception:  # websocket timeout
                break
        return seen

    def close(self) -> None:
        self.ws.close()


def _record(result: PageResult, event: dict[str, Any]) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled":
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        result.console.append((params["type"], text))
    elif method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        result.exceptions.append(
            str(details.get("exception", {}).get("description", details.get("text")))
        )
    elif method == "Log.entryAdded":
        entry = params["entry"]
        result.log_entries.append((entry["level"], entry["source"], entry["text"]))
    elif method == "Network.requestWillBeSent":
        result.requests.append(params["request"]["url"])
    elif method == "Network.loadingFailed":
        result.failed_requests.append(f"{params.get('requestId')}: {params.get('errorText')}")


#: Facts evaluated in the loaded page (JSON-serialisable expressions).
FACTS = {
    "sections": "[...document.querySelectorAll('main > section')].map(s => s.id)",
    "charts": "[...document.querySelectorAll('svg.chart')]"
    ".map(s => Math.round(s.getBoundingClientRect().width))",
    "height": "document.documentElement.scrollHeight",
    "title": "document.title",
    "lang": "document.documentElement.lang",
    "publishers": "document.querySelectorAll('article.publisher').length",
}


def open_page(
    folder: Path, page: str, screenshot: Path, *, width: int = 1280, height: int = 4000
) -> PageResult:
    """Load ``folder/page`` from a loopback server in headless Chromium and report."""
    if CHROMIUM is None:
        raise RuntimeError(f"chromium not found: {INSTALL_HINT}")
    profile = tempfile.mkdtemp(prefix="dcat-quality-chromium-")
    with serve(folder) as base:
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
            start_new_session=True,  # its own process group: stopped as a whole below
        )
        try:
            ws_url = _devtools_url(process)
            tools = _DevTools(ws_url)
            try:
                return _load(tools, f"{base}/{page}", screenshot, width, height)
            finally:
                tools.close()
        finally:
            _stop(process)
            shutil.rmtree(profile, ignore_errors=True)


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop Chromium and its helper processes (the group it leads), then reap it."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.stderr:
        process.stderr.close()


def _devtools_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = _DEVTOOLS.search(line)
        if match:
            return match.group(1)
    raise RuntimeError("chromium did not open its DevTools port:\n" + "".join(lines[-20:]))


def _load(tools: _DevTools, url: str, screenshot: Path, width: int, height: int) -> PageResult:
    result = PageResult(url)
    target = tools.call("Target.createTarget", url="about:blank")["targetId"]
    session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Runtime", "Log", "Network", "Page"):
        tools.call(f"{domain}.enable", session)
    tools.call(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    tools.call("Page.navigate", session, url=url)
    events = tools.wait_for("Page.loadEventFired", timeout=30)
    events += tools.drain(1.0)  # late console messages, failed sub-resources
    for event in events:
        if event.get("sessionId") == session:
            _record(result, event)
    for name, expression in FACTS.items():
        value = tools.call("Runtime.evaluate", session, expression=expression, returnByValue=True)[
            "result"
        ]
        result.facts[name] = value.get("value")
    for event in tools.drain(0.2):
        if event.get("sessionId") == session:
            _record(result, event)
    shot = tools.call("Page.captureScreenshot", session, format="png")["data"]
    result.screenshot = base64.b64decode(shot)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(result.screenshot)
    return result
