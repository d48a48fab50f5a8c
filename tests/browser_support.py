"""Drive the notebooks the way a student does: JupyterLab in headless Chromium.

A :class:`LabServer` runs JupyterLab (the interpreter running the tests, so the project's
environment and its ``python3`` kernel) on 127.0.0.1 with a random token, over a throw-away
root folder and throw-away Jupyter config, data, settings and workspace folders. A
:class:`LabWindow` is a Chromium tab with JupyterLab, kept from one notebook to the next. A
:class:`NotebookSession` opens one notebook in it, runs it from the menu
(Run > Run All Cells), waits for the kernel, reads back what the page shows -- outputs,
rendered images, widgets -- moves sliders, and takes screenshots.

Nothing is downloaded: Chromium is the system's (``/usr/bin/chromium``, Debian's package),
driven by the ``playwright`` Python package with ``executable_path``.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM", "CHROMIUM_ARGS", "chromium_path", "missing_browser_reason", "LabServer",
    "LabWindow", "NotebookSession", "SliderResult", "launch_chromium", "VIEWPORT",
]

#: Debian's Chromium (``apt-get install chromium``); BROWSER_TEST_CHROMIUM overrides it.
CHROMIUM = Path(os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium"))
#: Flags for a quiet, offline, headless Chromium (``--no-sandbox`` is added as root).
CHROMIUM_ARGS = [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
#: Browser window size in CSS pixels (a laptop screen).
VIEWPORT = {"width": 1280, "height": 900}
#: Window height (CSS pixels) while a whole notebook is captured piece by piece.
SHOT_HEIGHT = 3200
#: Seconds JupyterLab may take to answer after it is started.
SERVER_START_S = 120
#: Seconds between two looks at the page while waiting.
POLL_S = 0.5

# JupyterLab user settings: no news or update checks (no network, no toast in screenshots), and
# every cell of a notebook kept in the page (the default windowing drops the cells far from the
# view, so the figures of an opened notebook could not all be found).
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def chromium_path() -> Path | None:
    """The Chromium executable, or None when it is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return None


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package 'playwright' is not installed (pip install -r requirements.txt)"
    if chromium_path() is None:
        return (f"Chromium is not installed at {CHROMIUM} "
                "(Debian/Ubuntu: apt-get install chromium)")
    return None


def launch_chromium(playwright: Any) -> Any:
    """Start headless Chromium through Playwright with a fresh profile."""
    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=str(chromium_path()), headless=True,
                                      args=args, chromium_sandbox=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on 127.0.0.1 serving ``root``, isolated from the user's Jupyter set-up.

    Use as a context manager; the server (and every kernel it started) is stopped on exit.
    """

    def __init__(self, root: Path, log_path: Path | None = None) -> None:
        self.root = Path(root)
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._home = Path(tempfile.mkdtemp(prefix="lab-home-"))
        self.log_path = log_path or self._home / "jupyterlab.log"
        self._proc: subprocess.Popen | None = None
        self._log = None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # A student's kernel draws inline figures; the test runner's Agg backend would hide them.
        env.pop("MPLBACKEND", None)
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "settings",
                "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "IPYTHONDIR": "ipython"}
        for var, name in dirs.items():
            (self._home / name).mkdir(exist_ok=True)
            env[var] = str(self._home / name)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _write_settings(self) -> None:
        for rel, value in _LAB_SETTINGS.items():
            path = self._home / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))

    def start(self) -> LabServer:
        env = self._env()
        self._write_settings()
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # window.jupyterapp: lets the test read the kernel status and notebook model.
            "--LabApp.expose_app_in_browser=True",
        ]
        self._log = open(self.log_path, "w")
        self._proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self._proc.returncode}:\n"
                                   + self.log_tail())
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"JupyterLab did not answer within {SERVER_START_S} s:\n"
                           + self.log_tail())

    def api(self, method: str, path: str) -> Any:
        """Call JupyterLab's REST API; returns the decoded JSON (None for an empty reply)."""
        req = urllib.request.Request(self.base_url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every running kernel (one notebook's kernel between two notebooks)."""
        for kernel in self.api("GET", "/api/kernels"):
            try:
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
            except urllib.error.HTTPError:
                pass

    def url(self, rel_path: str) -> str:
        """The JupyterLab address that opens ``rel_path`` (relative to the root)."""
        return f"{self.base_url}/lab/tree/{rel_path}?reset&token={self.token}"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return Path(self.log_path).read_text()[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self.shutdown_kernels()
            except Exception:
                pass
            os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class SliderResult:
    """What happened when one slider was moved."""

    cell: int
    label: str
    before: str
    after: str
    changed_images: bool
    seconds: float
    errors: list[str] = field(default_factory=list)


# JavaScript run in the page. The notebook panel is JupyterLab's current widget.
_JS_STATE = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  const log = window.__executeLog || {sent: [], replies: []};
  return {path: panel.context.path, kernel: kernel ? kernel.status : null,
          ready: panel.context.isReady,
          queued: prompts.filter(t => t.includes('*')).length,
          sent: log.sent.length, replied: log.replies.length,
          statuses: log.replies.map(r => r.status)};
}"""

# Count the execute requests the page sends and the replies the kernel gives. The kernel's
# busy/idle status cannot tell when Run All is over: with ipykernel 7 a widget's comm
# message gets its own busy/idle pair while a cell still runs, and after a failing cell
# tagged raises-exception JupyterLab shows the cells below as "[ ]" although the kernel
# goes on executing them (their numbers appear as each one finishes).
_JS_HOOK = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const log = window.__executeLog = {sent: [], replies: []};
  kernel.anyMessage.connect((_, args) => {
    const msg = args.msg;
    if (args.direction === 'send' && msg.header.msg_type === 'execute_request') {
      log.sent.push(msg.header.msg_id);
    } else if (args.direction === 'recv' && msg.header.msg_type === 'execute_reply') {
      log.replies.push({id: msg.parent_header.msg_id, status: msg.content.status});
    }
  });
  return true;
}"""

_JS_NOTEBOOK = "() => JSON.stringify(window.jupyterapp.shell.currentWidget.context.model.toJSON())"

_JS_IMAGES = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return [...panel.node.querySelectorAll('.jp-OutputArea-output img')].map(img => ({
    cell: [...panel.node.querySelectorAll('.jp-Cell')].indexOf(img.closest('.jp-Cell')),
    inWidget: !!img.closest('.jupyter-widgets'),
    complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    src: img.currentSrc ? img.currentSrc.length : 0}));
}"""

_JS_WIDGETS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [...panel.node.querySelectorAll('.jp-Cell')];
  // A widget view is an output area entry whose child is drawn by the widget manager
  // (outer ones only: an Output widget nests output areas of its own).
  const views = [...panel.node.querySelectorAll('.jp-OutputArea-output')].filter(
      o => o.querySelector(':scope > .jupyter-widgets') &&
           !o.parentElement.closest('.jupyter-widgets'));
  return views.map(v => ({
    cell: cells.indexOf(v.closest('.jp-Cell')),
    rendered: !!v.querySelector('.jupyter-widgets'),
    text: v.textContent.slice(0, 300),
    sliders: v.querySelectorAll('.widget-slider').length}));
}"""

_JS_CELL_IMAGE_SRCS = """(index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.node.querySelectorAll('.jp-Cell')[index];
  return [...cell.querySelectorAll('.jp-OutputArea-output img')].map(i => i.currentSrc || i.src);
}"""

_JS_CELL_ERRORS = """(index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.node.querySelectorAll('.jp-Cell')[index];
  return [...cell.querySelectorAll('.jupyter-widgets .jp-OutputArea-output')]
    .map(o => o.textContent).filter(t => /Traceback|Error:/.test(t)).map(t => t.slice(0, 2000));
}"""

_JS_SCROLLER = """() => {
  const node = window.jupyterapp.shell.currentWidget.content.node;
  return node.querySelector('.jp-WindowedPanel-outer') || node;
}"""


class LabWindow:
    """A browser tab with JupyterLab, reused from one notebook to the next (as a student's).

    ``context`` is a Playwright browser context. After a failure, :meth:`discard` drops the
    tab, and the next notebook loads JupyterLab afresh in a new one.
    """

    def __init__(self, context: Any, server: LabServer) -> None:
        self.context = context
        self.server = server
        self.page: Any = None
        self.page_errors: list[str] = []

    def open(self, rel_path: str, timeout_s: float) -> Any:
        """Show the notebook ``rel_path`` (relative to the server's root); return the page."""
        if self.page is None:
            self.page = self.context.new_page()
            self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
            self.page.goto(self.server.url(rel_path), wait_until="domcontentloaded",
                           timeout=timeout_s * 1000)
            self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_s * 1000)
        else:  # what File > Open does
            self.page.evaluate(
                "(path) => { window.jupyterapp.commands.execute('docmanager:open', {path}); }",
                rel_path)
        return self.page

    def close_current(self) -> None:
        """Close the current notebook without the "save changes?" dialog."""
        if self.page is not None:
            self.page.evaluate("""() => {
              const panel = window.jupyterapp.shell.currentWidget;
              if (panel && panel.context) { panel.context.model.dirty = false; panel.close(); }
            }""")

    def discard(self) -> None:
        if self.page is not None:
            self.page.close(run_before_unload=False)
            self.page = None


class NotebookSession:
    """One notebook open in the JupyterLab of a :class:`LabWindow`."""

    def __init__(self, window: LabWindow, rel_path: str) -> None:
        self.window = window
        self.server = window.server
        self.rel_path = rel_path
        self.page: Any = None
        self._errors_before = len(window.page_errors)

    @property
    def console_errors(self) -> list[str]:
        """Uncaught JavaScript errors of the page since this notebook was opened."""
        return self.window.page_errors[self._errors_before:]

    # -- opening and running -----------------------------------------------------------------
    def open(self, timeout_s: float = 180) -> None:
        """Open the notebook and wait until its kernel is idle."""
        self.page = self.window.open(self.rel_path, timeout_s)
        self._wait(lambda s: s and s["path"] == self.rel_path and s["ready"]
                   and s["kernel"] == "idle", timeout_s, "the notebook's kernel to start")
        self.page.evaluate(_JS_HOOK)
        self.panel_id = self.page.evaluate("() => window.jupyterapp.shell.currentWidget.id")

    def state(self) -> dict | None:
        return self.page.evaluate(_JS_STATE)

    def _wait(self, done, timeout_s: float, what: str, stable: int = 1) -> dict:
        deadline = time.monotonic() + timeout_s
        hits = 0
        state = None
        while time.monotonic() < deadline:
            state = self.state()
            hits = hits + 1 if done(state) else 0
            if hits >= stable:
                return state
            time.sleep(POLL_S)
        raise TimeoutError(f"waited {timeout_s:.0f} s for {what}; last state {state}")

    def run_all(self, timeout_s: float = 900) -> tuple[float, list[str]]:
        """Run > Run All Cells from the menu bar and wait until the kernel answered each cell.

        Returns the seconds it took and the status of each execute reply ("ok", "error",
        or "aborted" for a cell skipped after an error).
        """
        t0 = time.monotonic()
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).first.click()
        item = self.page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel",
                                 has_text=re.compile(r"^Run All Cells$")).first
        item.click()
        self._wait(lambda s: s and s["sent"] > 0, 60, "Run All Cells to send the first cell")
        # Done: every request answered, nothing queued, kernel idle -- for 2 s in a row.
        state = self._wait(
            lambda s: s and s["replied"] >= s["sent"] and s["queued"] == 0
            and s["kernel"] == "idle", timeout_s, "every cell to finish", stable=4)
        return time.monotonic() - t0, state["statuses"]

    # -- reading the page --------------------------------------------------------------------
    def notebook_json(self) -> dict:
        """The notebook as JupyterLab holds it now (nbformat JSON, with the new outputs)."""
        return json.loads(self.page.evaluate(_JS_NOTEBOOK))

    def images(self) -> list[dict]:
        return self.page.evaluate(_JS_IMAGES)

    def widget_views(self) -> list[dict]:
        return self.page.evaluate(_JS_WIDGETS)

    def cell_image_srcs(self, cell: int) -> list[str]:
        return self.page.evaluate(_JS_CELL_IMAGE_SRCS, cell)

    # -- sliders -----------------------------------------------------------------------------
    def sliders(self) -> Any:
        return self.page.locator(f"[id='{self.panel_id}'] .jupyter-widgets.widget-slider")

    def move_slider(self, index: int, timeout_s: float = 180) -> SliderResult:
        """Move slider ``index`` one step with the keyboard; wait for its figure to change."""
        slider = self.sliders().nth(index)
        slider.scroll_into_view_if_needed()
        label = slider.locator(".widget-label").first.inner_text().strip()
        readout = slider.locator(".widget-readout").first
        cell = slider.evaluate(
            "(el) => [...el.closest('.jp-NotebookPanel').querySelectorAll('.jp-Cell')]"
            ".indexOf(el.closest('.jp-Cell'))")
        before_value = readout.inner_text().strip()
        before_srcs = self.cell_image_srcs(cell)
        handle = slider.locator(".noUi-handle").first
        t0 = time.monotonic()
        handle.press("ArrowRight")
        if readout.inner_text().strip() == before_value:  # already at its maximum
            handle.press("ArrowLeft")
        after_value = readout.inner_text().strip()
        deadline = time.monotonic() + timeout_s
        changed = False
        while time.monotonic() < deadline:
            srcs = self.cell_image_srcs(cell)
            state = self.state()
            if srcs and srcs != before_srcs and state and state["kernel"] == "idle":
                changed = True
                break
            time.sleep(POLL_S)
        errors = self.page.evaluate(_JS_CELL_ERRORS, cell)
        return SliderResult(cell, label, before_value, after_value, changed,
                            time.monotonic() - t0, errors)

    # -- screenshots -------------------------------------------------------------------------
    def screenshot_view(self, path: Path) -> None:
        """What the window shows now."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))

    def screenshot_notebook(self, path: Path, max_pages: int = 60) -> int:
        """The whole notebook, top to bottom, as one tall PNG (scrolled page by page).

        Returns the image height in pixels.
        """
        from PIL import Image

        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.mouse.move(1, 1)  # no hover highlight on a cell
        viewport = self.page.viewport_size
        self.page.set_viewport_size({"width": viewport["width"], "height": SHOT_HEIGHT})
        time.sleep(0.5)  # JupyterLab lays out the taller window
        scroller = self.page.evaluate_handle(_JS_SCROLLER)
        box = self.page.evaluate(
            "(el) => {const r = el.getBoundingClientRect();"
            " return {x: r.x, y: r.y, w: r.width, h: r.height,"
            "         total: el.scrollHeight};}", scroller)
        height = int(box["h"])
        total = int(box["total"])
        pieces = []
        tmp = Path(tempfile.mkdtemp(prefix="shots-"))
        try:
            top = 0
            for k in range(max_pages):
                actual = self.page.evaluate(
                    "([el, y]) => {el.scrollTop = y; return el.scrollTop;}", [scroller, top])
                time.sleep(0.15)  # let lazily painted cells (content-visibility) draw
                shot = tmp / f"{k:03d}.png"
                self.page.screenshot(path=str(shot), clip={
                    "x": box["x"], "y": box["y"], "width": box["w"], "height": box["h"]})
                pieces.append((int(actual), shot))
                if actual + height >= total:
                    break
                top = actual + height
            canvas = Image.new("RGB", (int(box["w"]), min(total, pieces[-1][0] + height)),
                               "white")
            for offset, shot in pieces:
                with Image.open(shot) as im:
                    canvas.paste(im.convert("RGB"), (0, offset))
            canvas.save(path, optimize=True)
            self.page.evaluate("(el) => {el.scrollTop = 0;}", scroller)
            return canvas.height
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            self.page.set_viewport_size(viewport)

    def close(self) -> None:
        self.window.close_current()
