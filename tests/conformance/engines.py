"""The real browsers, each behind the small ``Driver`` interface of tests/conformance/harness.py.

``Firefox`` is Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core from
tests/conformance/node/firefox.js (one process for a whole module); ``WebKit`` is Debian's
WebKitGTK driven by WebKitWebDriver and Selenium under Xvfb, with the stand-in browser
tests/conformance/webkit_browser.py so that console lines are printed. Both are kept off the
network as /work/shared/BROWSER-TESTING.md measured: Firefox with MOZ_DISABLE_NONLOCAL_CONNECTIONS
and its prefs, WebKit through a CONNECT proxy of ours that tunnels only to the test servers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
FIREFOX = "/usr/bin/firefox-esr"
NODE = shutil.which("node") or "/usr/bin/node"


def firefox_missing() -> str | None:
    """Why the Firefox suite cannot run here, or None."""
    if not os.path.exists(FIREFOX):
        return f"needs Debian's firefox-esr at {FIREFOX}"
    if not (NODE_DIR / "node_modules" / "puppeteer-core").is_dir():
        return f"needs puppeteer-core: run `npm ci` in {NODE_DIR}"
    return None


class Firefox:
    name = "firefox"

    def __init__(self, hosts: tuple[str, ...]) -> None:
        self._profile = tempfile.mkdtemp(prefix="corscheck-firefox-")
        self._process = subprocess.Popen(
            [NODE, str(NODE_DIR / "firefox.js"), self._profile, ",".join(hosts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=NODE_DIR,
        )
        first = self._process.stdout.readline()
        if not first:
            raise RuntimeError("firefox.js ended before Firefox was ready")
        self.version = self._call({"op": "version"})["version"]

    def _call(self, command: dict):
        self._process.stdin.write(json.dumps(command) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"firefox.js ended during {command['op']}")
        reply = json.loads(line)
        if not reply["ok"]:
            raise RuntimeError(reply["error"])
        return reply["result"]

    current = ""

    def open(self, url: str) -> bool:
        if url == self.current:
            return False
        self._call({"op": "open", "url": url})
        self.current = url
        return True

    def fetch(self, url: str, init: dict) -> dict:
        return self._call({"op": "fetch", "url": url, "init": init})

    def entries(self) -> list[dict]:
        return self._call({"op": "console"})

    def console(self, wait: bool) -> list[str]:
        """Firefox's lines for the page (errors and warnings), in order."""
        lines = [e for e in self.entries() if not e.get("chrome")]
        if wait and not lines:
            # The console service delivers asynchronously; one short wait for a late line.
            time.sleep(0.3)
            lines = [e for e in self.entries() if not e.get("chrome")]
        return [e["text"] for e in lines]

    def set_cookie(self, cookie: dict) -> None:
        self._call({"op": "cookie", "cookie": cookie})

    def close(self) -> None:
        try:
            self._call({"op": "quit"})
        except (RuntimeError, BrokenPipeError, OSError):
            pass
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)
