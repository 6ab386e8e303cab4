"""The real browsers, each behind the small ``Driver`` interface of tests/conformance/harness.py.

``Firefox`` is Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core from
tests/conformance/node/firefox.js (one process for a whole module); ``WebKit`` is Debian's
WebKitGTK driven by WebKitWebDriver and Selenium under Xvfb, with the stand-in browser
tests/conformance/webkit_browser.py so that console lines are printed. Both are kept off the
network as /work/shared/BROWSER-TESTING.md measured: Firefox with MOZ_DISABLE_NONLOCAL_CONNECTIONS
and its prefs, WebKit through a CONNECT proxy of ours that tunnels only to the test servers.
"""

from __future__ import annotations

import contextlib
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


def settle(take, wait: bool, quiet: float = 0.15, limit: float = 2.0) -> list[str]:
    """Console lines arrive a little after fetch() settles: when ``wait``, collect until at least
    one line came and then none for ``quiet`` seconds (at most ``limit`` seconds in all)."""
    lines = take()
    if not wait:
        return lines
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(quiet)
        more = take()
        if not more and lines:
            break
        lines += more
    return lines


def _favicon_noise(text: str) -> bool:
    # A sandboxed page's favicon request is refused by Opaque Response Blocking: not our fetch().
    return "favicon.ico" in text or text.startswith(
        "A resource is blocked by OpaqueResponseBlocking"
    )


def firefox_missing() -> str | None:
    """Why the Firefox suite cannot run here, or None."""
    if not os.path.exists(FIREFOX):
        return f"needs Debian's firefox-esr at {FIREFOX}"
    if not (NODE_DIR / "node_modules" / "puppeteer-core").is_dir():
        return f"needs puppeteer-core: run `npm ci` in {NODE_DIR}"
    return None


class Firefox:
    name = "firefox"

    def __init__(self, hosts: tuple[str, ...], prefs: dict | None = None) -> None:
        self._profile = tempfile.mkdtemp(prefix="corscheck-firefox-")
        self._process = subprocess.Popen(
            [
                NODE,
                str(NODE_DIR / "firefox.js"),
                self._profile,
                ",".join(hosts),
                json.dumps(prefs or {}),
            ],
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

        def take() -> list[str]:
            return [
                entry["text"]
                for entry in self.entries()
                if not entry.get("chrome") and not _favicon_noise(entry["text"])
            ]

        return settle(take, wait)

    def set_cookie(self, cookie: dict) -> None:
        self._call({"op": "cookie", "cookie": cookie})

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, BrokenPipeError, OSError):
            self._call({"op": "quit"})
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


# --- WebKit ------------------------------------------------------------------------------------

WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
XVFB = "/usr/bin/Xvfb"
SYSTEM_PYTHON = "/usr/bin/python3"


def webkit_missing() -> str | None:
    """Why the WebKit suite cannot run here, or None."""
    for path in (WEBKIT_DRIVER, XVFB, SYSTEM_PYTHON):
        if not os.path.exists(path):
            return f"needs {path} (webkit2gtk-driver, xvfb)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('WebKit2', '4.1')"],
        capture_output=True,
    )
    if probe.returncode:
        return "needs gir1.2-webkit2-4.1 for /usr/bin/python3"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium (pip install -e .[test])"
    return None


class Proxy:
    """A CONNECT proxy on 127.0.0.1 that tunnels only to the test servers' names and ports.

    Plain-HTTP requests in absolute form are forwarded one per connection. Anything else (another
    name, another port) is refused with 403 and counted in ``refused``.
    """

    def __init__(self, names: tuple[str, ...], ports: tuple[int, ...]) -> None:
        import socket
        import threading

        self.names = {name.lower() for name in names}
        self.ports = set(ports)
        self.refused: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def allows(self, host: str, port: int) -> bool:
        return host.lower() in self.names and port in self.ports

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client) -> None:
        import socket

        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            first, _, rest = head.partition(b"\r\n")
            method, target, version = first.decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                host = host.strip("[]")
            else:
                parts = target.split("/", 3)  # http:, "", host:port, path
                host, _, port = (
                    parts[2].rpartition(":") if ":" in parts[2] else (parts[2], "", "80")
                )
            if not self.allows(host, int(port or 0)):
                self.refused.append(f"{method} {target}")
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(("127.0.0.1", int(port)))
            if method == "CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                leftover = rest.split(b"\r\n\r\n", 1)[1]
                if leftover:
                    upstream.sendall(leftover)
            else:
                path = "/" + (parts[3] if len(parts) > 3 else "")
                lines = [
                    line
                    for line in rest.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                    if not line.lower().startswith((b"connection:", b"proxy-connection:"))
                ]
                body = rest.split(b"\r\n\r\n", 1)[1]
                request = f"{method} {path} {version}\r\n".encode("latin-1")
                upstream.sendall(
                    request + b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
                )
            self._pipe(client, upstream)
        except (OSError, ValueError, IndexError):
            pass
        finally:
            client.close()

    @staticmethod
    def _pipe(client, upstream) -> None:
        import selectors

        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select(timeout=30):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        finally:
            upstream.close()

    def close(self) -> None:
        self._socket.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebKit:
    name = "webkit"

    def __init__(self, hosts: tuple[str, ...], ports: tuple[int, ...]) -> None:
        import threading

        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self._dir = tempfile.mkdtemp(prefix="corscheck-webkit-")
        self.proxy = Proxy(hosts, ports)
        self._processes: list[subprocess.Popen] = []
        # Xvfb picks a free display itself and names it on stdout: no race between test workers.
        xvfb = subprocess.Popen(
            [XVFB, "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._processes.append(xvfb)
        display = int(xvfb.stdout.readline().strip())
        inspector = _free_port()
        env = {
            **os.environ,
            "DISPLAY": f":{display}",
            "WEBKIT_INSPECTOR_SERVER": f"127.0.0.1:{inspector}",
            "GDK_BACKEND": "x11",
            "WEBKIT_DISABLE_COMPOSITING_MODE": "1",
            "NO_AT_BRIDGE": "1",
        }
        browser = subprocess.Popen(
            [
                SYSTEM_PYTHON,
                str(HERE / "webkit_browser.py"),
                self._dir,
                f"http://127.0.0.1:{self.proxy.port}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._processes.append(browser)
        self.lines: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, args=(browser.stdout,), daemon=True).start()
        for _ in range(200):
            import socket

            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", inspector)) == 0:
                    break
            time.sleep(0.05)
        options = Options()
        options.accept_insecure_certs = True
        options.set_capability("browserName", "corscheck-conformance")
        service = Service(
            executable_path=WEBKIT_DRIVER,
            service_args=[f"--target=127.0.0.1:{inspector}"],
        )
        self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.driver.set_script_timeout(30)
        self.version = subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                "import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2"
                " as W; print(f'WebKitGTK {W.get_major_version()}.{W.get_minor_version()}"
                ".{W.get_micro_version()}')",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.current = ""

    def _read(self, stream) -> None:
        for line in stream:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def open(self, url: str) -> bool:
        if url == self.current:
            return False
        self.driver.get(url)
        self.current = url
        return True

    def fetch(self, url: str, init: dict) -> dict:
        return self.driver.execute_async_script(
            """const [url, init, done] = arguments;
            fetch(url, init).then(
              (r) => done({allowed: true, status: r.status, headers: [...r.headers.keys()]}),
              (e) => done({allowed: false, error: String(e)}));""",
            url,
            init,
        )

    def _take(self) -> list[str]:
        with self._lock:
            lines, self.lines[:] = list(self.lines), []
        return lines

    def raw(self) -> list[str]:
        return self._take()

    def console(self, wait: bool) -> list[str]:
        """WebKit's console lines for the page, without the "CONSOLE ..." prefix."""

        def take() -> list[str]:
            lines = [line for line in self._take() if line.startswith("CONSOLE ")]
            return [_strip_console_prefix(line) for line in lines]

        return settle(take, wait)

    def close(self) -> None:
        # Closing down: whatever quit() raises, the processes are ended below anyway.
        with contextlib.suppress(Exception):
            self.driver.quit()
        for process in reversed(self._processes):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.proxy.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def _strip_console_prefix(line: str) -> str:
    # "CONSOLE NETWORK ERROR Origin ... " / "CONSOLE JS ERROR ..." / "CONSOLE SECURITY ERROR ..."
    words = line.split(" ")
    for index, word in enumerate(words[1:5], start=1):
        if word in ("ERROR", "WARN", "WARNING", "LOG", "INFO", "DEBUG"):
            return " ".join(words[index + 1 :])
    return line


# --- Chromium (for the probes of test_differences.py; test_chromium.py has its own) ------------

CHROMIUM = "/usr/bin/chromium"


class Chromium:
    name = "chromium"

    def __init__(self, extra_args: tuple[str, ...] = ()) -> None:
        from playwright.sync_api import sync_playwright

        from tests.conformance.test_chromium import LAUNCH_ARGS

        self._playwright = sync_playwright().start()
        args = [arg for arg in LAUNCH_ARGS if not arg.startswith("--host-resolver-rules")]
        args.append("--host-resolver-rules=MAP * 127.0.0.1, EXCLUDE localhost")
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*args, *extra_args]
        )
        self.version = self._browser.version
        self.page = self._browser.new_context().new_page()
        self.lines: list[str] = []
        self.page.on("console", lambda message: self.lines.append(message.text))
        self.current = ""

    def open(self, url: str) -> bool:
        if url == self.current:
            return False
        self.page.goto(url)
        self.current = url
        return True

    def fetch(self, url: str, init: dict) -> dict:
        from tests.conformance.test_chromium import FETCH

        return self.page.evaluate(FETCH, [url, init])

    def console(self, wait: bool) -> list[str]:
        def take() -> list[str]:
            lines, self.lines[:] = list(self.lines), []
            return lines

        return settle(take, wait)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()
