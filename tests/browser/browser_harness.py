"""Run notebooks in a real JupyterLab server driven by headless Chromium.

The browser tests (conftest.py and test_browser_*.py) and their benchmark mode
use these pieces:

- ``JupyterLab`` starts a private JupyterLab server from the current Python
  environment on 127.0.0.1 with every config, data, runtime and cache folder
  inside one temporary folder, and stops it by its process handle.
- ``RequestGuard`` aborts and records every browser request that leaves
  127.0.0.1, so a notebook that needs the internet fails its test.
- ``NotebookPage`` opens a notebook in a Playwright page, runs all cells, waits
  for the kernel and reads errors and widget problems back from the page.

Nothing here imports rotconv_helpers: the harness works for any notebook.
"""

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat

CHROMIUM_PATH = Path("/usr/bin/chromium")
LOCAL_HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
ARTIFACT_DIR = REPO_ROOT / "test-artifacts"

# Flags for Debian's Chromium in a container without a display, as root, and
# with every background service that phones home switched off.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    # A second line of defence behind RequestGuard: host names other than
    # 127.0.0.1 do not resolve, so even requests Playwright cannot route fail.
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOCAL_HOST}",
]

# JupyterLab settings for unattended runs: no news or update requests, and the
# notebook's kernel starts without a kernel-selection dialog. Windowing mode
# "none" keeps every cell in the DOM, because the default mode detaches cells
# outside the viewport and would hide their outputs from the page queries.
SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension:tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
    "@jupyterlab/docmanager-extension:plugin": {
        "autosave": False,
    },
}

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


def find_free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCAL_HOST, 0))
        return probe.getsockname()[1]


def copy_cleared_notebook(source, target):
    """Write a copy of notebook ``source`` to ``target`` with no outputs.

    Outputs, execution counts and saved widget state are removed, so that an
    execution count or a rendered widget seen later comes from this run.
    """
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata.pop("widgets", None)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


class JupyterLab:
    """A JupyterLab server for tests, isolated from the user's Jupyter setup.

    ``root_dir`` is the folder the server shows. ``work_dir`` receives the
    config, data, runtime, settings, workspace and cache folders, a home folder
    for the server and its kernels, and the server log ``jupyterlab.log``.
    """

    def __init__(self, root_dir, work_dir):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.port = find_free_port()
        self.token = secrets.token_hex(24)
        self.base_url = f"http://{LOCAL_HOST}:{self.port}"
        self.log_path = self.work_dir / "jupyterlab.log"
        self.process = None
        self._log_file = None

    def environment(self):
        """Return the server's environment: every Jupyter folder in work_dir."""
        folders = {
            "HOME": "home",
            "JUPYTER_CONFIG_DIR": "jupyter-config",
            "JUPYTER_DATA_DIR": "jupyter-data",
            "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
            "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
            "IPYTHONDIR": "ipython",
            "MPLCONFIGDIR": "matplotlib",
            "XDG_CONFIG_HOME": "xdg-config",
            "XDG_CACHE_HOME": "xdg-cache",
            "XDG_DATA_HOME": "xdg-data",
            "XDG_RUNTIME_DIR": "xdg-runtime",
        }
        env = dict(os.environ)
        for name, folder in folders.items():
            path = self.work_dir / folder
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def command(self):
        """Return the command line that starts the server."""
        command = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            f"--ip={LOCAL_HOST}",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Jupyter rejects running as root unless this flag is given.
            command.append("--allow-root")
        return command

    def start(self, timeout=90):
        """Start the server and wait until ``/api/status`` responds."""
        env = self.environment()
        overrides = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
        overrides.mkdir(parents=True, exist_ok=True)
        (overrides / "default_setting_overrides.json").write_text(
            json.dumps(SETTING_OVERRIDES, indent=1)
        )
        self._log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(
                    f"JupyterLab exited with code {self.process.returncode} "
                    f"while starting. Server log:\n{self.log_tail()}"
                )
            try:
                self.api("/api/status")
                return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        self.stop()
        raise TimeoutError(
            f"JupyterLab did not answer on {self.base_url} within {timeout} s. "
            f"Server log:\n{self.log_tail()}"
        )

    def stop(self, timeout=15):
        """Stop the server process started by ``start`` and its kernels."""
        if self.process is not None and self.process.poll() is None:
            try:
                for kernel in self.api("/api/kernels"):
                    self.api(f"/api/kernels/{kernel['id']}", method="DELETE")
            except (urllib.error.URLError, ConnectionError):
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines=40):
        """Return the last lines of the server log."""
        if not self.log_path.exists():
            return "(no server log)"
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def url(self, path, **query):
        """Return the server URL of ``path`` with the token and ``query``."""
        query["token"] = self.token
        return f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"

    def api(self, path, method="GET"):
        """Send a request to the server's REST API and return the JSON reply."""
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_states(self):
        """Return the execution state of every running kernel."""
        return [kernel["execution_state"] for kernel in self.api("/api/kernels")]

    def wait_until_idle(self, timeout=30, poll=0.1):
        """Wait until every kernel reports idle in two polls in a row."""
        deadline = time.monotonic() + timeout
        idle_polls = 0
        while idle_polls < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"kernels were not idle after {timeout} s: {self.kernel_states()}"
                )
            states = self.kernel_states()
            idle_polls = idle_polls + 1 if all(s == "idle" for s in states) else 0
            time.sleep(poll)

    def shutdown_kernels(self):
        """Shut down every kernel, so the next notebook starts alone."""
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")


class RequestGuard:
    """Abort and record every browser request that does not go to 127.0.0.1.

    ``data:`` and ``blob:`` URLs are allowed because they never reach the
    network. WebSockets are not routed by Playwright, so the host-resolver
    rule in ``CHROMIUM_ARGS`` covers them.
    """

    def __init__(self):
        self.blocked = []

    def attach(self, context):
        context.route("**/*", self._handle)
        return self

    def _handle(self, route):
        url = route.request.url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname == LOCAL_HOST:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


# JavaScript run in the page. Each snippet reads the notebook that is the
# shell's current widget, so a tab left over from an earlier test is ignored.
_NOTEBOOK_STATUS_JS = """
(path) => {
    const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!widget || !widget.context || widget.context.path !== path) {
        return {opened: false};
    }
    const session = widget.sessionContext;
    const kernel = session && session.session && session.session.kernel;
    return {
        opened: true,
        ready: widget.context.isReady && session.isReady,
        kernelStatus: kernel ? kernel.status : null,
    };
}
"""

_CELL_REPORT_JS = """
() => {
    const widget = window.jupyterapp.shell.currentWidget;
    return widget.content.widgets.map((cell, index) => {
        const model = cell.model;
        const tags = model.getMetadata("tags") || [];
        const outputs = model.type === "code" ? model.outputs.toJSON() : [];
        const errors = outputs
            .filter((output) => output.output_type === "error")
            .map((output) => `${output.ename}: ${output.evalue}`);
        return {
            index: index,
            type: model.type,
            executionCount: model.type === "code" ? model.executionCount : null,
            expectsError: tags.includes("raises-exception"),
            errors: errors,
        };
    });
}
"""

# A widget output is broken when it shows one of the texts of the ipywidgets
# 8 JupyterLab renderer ("Loading widget...", "Error displaying widget",
# "Error displaying widget: model not found"), or contains the ErrorWidgetView
# that ipywidgets 8 draws when a model or view class cannot be loaded.
_WIDGET_REPORT_JS = """
(mime) => {
    const widget = window.jupyterapp.shell.currentWidget;
    const report = [];
    widget.content.widgets.forEach((cell, index) => {
        if (cell.model.type !== "code") { return; }
        // The output area has one child panel (prompt and output) per
        // output, in model order.
        const children = cell.outputArea.widgets;
        cell.model.outputs.toJSON().forEach((output, position) => {
            if (!output.data || !(mime in output.data)) { return; }
            const child = children[position];
            const node = child ? child.node.querySelector(".jp-OutputArea-output") : null;
            const text = node ? node.innerText.trim() : "";
            let state = "rendered";
            if (!node) {
                state = "missing";
            } else if (text.startsWith("Loading widget")) {
                state = "loading";
            } else if (text.startsWith("Error displaying widget")) {
                state = "error";
            } else if (node.querySelector(".jupyter-widgets-error-widget")) {
                state = "error-view";
            }
            report.push({cell: index, state: state, text: text.slice(0, 300)});
        });
    });
    return report;
}
"""


class NotebookPage:
    """One notebook opened in a Playwright page of a ``JupyterLab`` server."""

    def __init__(self, page, lab, path):
        self.page = page
        self.lab = lab
        self.path = str(path)

    def open(self, timeout=60):
        """Open the notebook in the JupyterLab page and wait for its kernel.

        Documents left open by an earlier test are closed first. A page that
        has not loaded JupyterLab yet loads it first.
        """
        if not self.page.evaluate("() => Boolean(window.jupyterapp)"):
            load_jupyterlab(self.page, self.lab, timeout)
        close_documents(self.page)
        self.page.evaluate(
            "(path) => { window.jupyterapp.commands.execute('docmanager:open', {path}); }",
            self.path,
        )
        self.page.wait_for_function(
            f"(path) => {{ const s = ({_NOTEBOOK_STATUS_JS})(path);"
            " return s.opened && s.ready && s.kernelStatus === 'idle'; }",
            arg=self.path,
            timeout=timeout * 1000,
            polling=200,
        )
        return self

    @property
    def panel(self):
        """Locator of the visible notebook panel."""
        return self.page.locator(".jp-NotebookPanel:visible").first

    def run_all_cells(self):
        """Start running every cell without waiting for the command's promise.

        An awaited ``page.evaluate`` of the command's promise has no timeout
        and can hang the test, so the function returns nothing.
        """
        self.page.evaluate(
            "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
        )

    def cell_report(self):
        """Return type, execution count, tags and errors of every cell."""
        return self.page.evaluate(_CELL_REPORT_JS)

    def wait_until_executed(self, timeout=120, poll=0.25):
        """Wait until every code cell has an execution count and the kernel is idle.

        The status bar and the kernel object in the page report "idle" before
        the kernel has started, so the server's /api/kernels must also report
        idle in two polls in a row.
        """
        deadline = time.monotonic() + timeout
        idle_polls = 0
        while time.monotonic() < deadline:
            cells = self.cell_report()
            pending = [
                cell["index"] for cell in cells
                if cell["type"] == "code" and cell["executionCount"] is None
            ]
            states = self.lab.kernel_states()
            if not pending and states and all(s == "idle" for s in states):
                idle_polls += 1
                if idle_polls >= 2:
                    return cells
            else:
                idle_polls = 0
            time.sleep(poll)
        raise TimeoutError(
            f"{self.path}: cells {pending} had no execution count, or the kernel "
            f"states {states} were not idle, after {timeout} s"
        )

    def unexpected_errors(self, cells=None):
        """Return "cell N: error" lines for cells not tagged raises-exception."""
        cells = self.cell_report() if cells is None else cells
        return [
            f"cell {cell['index']}: {error}"
            for cell in cells if not cell["expectsError"]
            for error in cell["errors"]
        ]

    def widget_report(self):
        """Return the state and text of every widget output in the notebook."""
        return self.page.evaluate(_WIDGET_REPORT_JS, WIDGET_VIEW_MIME)

    def widget_problems(self, settle_timeout=20, poll=0.25):
        """Return one line for each widget that failed or is still loading.

        Widgets render after the kernel is idle, so this waits up to
        ``settle_timeout`` seconds for "Loading widget..." to go away.
        """
        deadline = time.monotonic() + settle_timeout
        report = self.widget_report()
        while time.monotonic() < deadline:
            if not any(item["state"] == "loading" for item in report):
                break
            time.sleep(poll)
            report = self.widget_report()
        descriptions = {
            "missing": "output has no node in the page",
            "loading": "still shows 'Loading widget...'",
            "error": "shows 'Error displaying widget'",
            "error-view": "shows 'Error displaying widget' (ipywidgets error view)",
        }
        return [
            f"cell {item['cell']}: widget {descriptions[item['state']]}: {item['text']!r}"
            for item in report if item["state"] != "rendered"
        ]

    def screenshot(self, locator, path):
        """Save a screenshot of one element, scrolled into view, to ``path``.

        A page screenshot would capture only the viewport, and an element
        taller than the notebook's scroll area would be cut off, so the
        viewport grows to fit the element for the screenshot.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        viewport = self.page.viewport_size
        box = locator.bounding_box()
        # The toolbars, tab bar and status bar take about 200 px.
        needed = int(box["height"]) + 300 if box else viewport["height"]
        if needed > viewport["height"]:
            self.page.set_viewport_size({"width": viewport["width"], "height": needed})
        try:
            locator.scroll_into_view_if_needed()
            locator.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(viewport)
        return path


_CLOSE_DOCUMENTS_JS = """
() => {
    for (const widget of Array.from(window.jupyterapp.shell.widgets("main"))) {
        // A notebook that ran has unsaved changes. Marking it clean lets it
        // close without a "Save changes?" dialog.
        if (widget.context) { widget.context.model.dirty = false; }
        widget.dispose();
    }
}
"""


def load_jupyterlab(page, lab, timeout=60):
    """Load JupyterLab in ``page`` with an empty workspace and wait until it is restored."""
    # "reset" starts from an empty workspace, so no tab from an earlier
    # session comes back.
    page.goto(lab.url("/lab", reset=""))
    page.wait_for_function("() => Boolean(window.jupyterapp)", timeout=timeout * 1000)
    page.evaluate(
        "() => { window.jupyterapp.restored.then(() => { window.__labRestored = true; }); }"
    )
    page.wait_for_function("() => window.__labRestored === true", timeout=timeout * 1000)


def close_documents(page):
    """Close every document in the main area without saving it."""
    page.evaluate(_CLOSE_DOCUMENTS_JS)


def open_guarded_page(browser, lab):
    """Return a JupyterLab page in a fresh browser context with a ``RequestGuard``.

    The guard is ``page.request_guard``. Close the page with
    ``page.context.close()``.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    guard = RequestGuard().attach(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.request_guard = guard
    load_jupyterlab(page, lab)
    return page


@contextlib.contextmanager
def notebook_session(page, lab):
    """Run one test's notebooks in ``page``, then clean up and check the guard.

    The guard's record is cleared on entry. On exit every document closes,
    every kernel is shut down, and an AssertionError lists the requests that
    the guard aborted meanwhile.
    """
    guard = page.request_guard
    guard.blocked.clear()
    try:
        yield page
    finally:
        if not page.is_closed() and page.evaluate("() => Boolean(window.jupyterapp)"):
            close_documents(page)
        lab.shutdown_kernels()
    assert guard.blocked == [], f"requests outside {LOCAL_HOST} were aborted: {guard.blocked}"
