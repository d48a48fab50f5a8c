"""The collection as students meet it: every notebook run in JupyterLab in a real browser.

For each source notebook (``notebooks/NN_*.ipynb``) and each student release notebook
(``course.release``), headless Chromium opens it in JupyterLab, clicks
Run > Run All Cells and waits for the kernel, then checks what the page shows:

- every code cell ran (in the release too: the failing graded checks are tagged
  ``raises-exception``, so Run All goes on past them);
- no error output in a source notebook; in the release only the stubs'
  ``NotImplementedError``, and only in cells tagged ``raises-exception``;
- every figure is an image in an output area that the browser decoded;
- every widget rendered (no "Error displaying widget"), and moving each slider one step
  with the keyboard redraws its figure without an error.

A screenshot of each whole notebook (and one of the window at its first slider) is written
to ``artifacts/screenshots/``; the seconds of each step to ``artifacts/browser_timings.tsv``.

Needs Chromium at /usr/bin/chromium (Debian's ``chromium``) and the ``playwright`` package
(no browser download). Without them the tests skip -- except under CI (CI=true), where
they fail.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from .browser_support import VIEWPORT, LabServer, LabWindow, NotebookSession, launch_chromium, missing_browser_reason
from .conftest import NOTEBOOKS, ROOT

ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
TIMINGS = ARTIFACTS / "browser_timings.tsv"
#: Seconds "Run All Cells" may take for one notebook (they take 10-60 s on an idle core).
RUN_ALL_TIMEOUT_S = 600
#: Seconds one slider step may take to redraw its figure.
SLIDER_TIMEOUT_S = 180

SOURCE_NOTEBOOKS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CASES = [(variant, name) for name in SOURCE_NOTEBOOKS for variant in ("source", "release")]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    """JupyterLab over copies of the source notebooks and a fresh student release."""
    reason = missing_browser_reason()
    if reason:
        if _in_ci():
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    from course.release import release

    # nbgrader runs the `alembic` command of its environment: put that environment's bin
    # folder on PATH, as activating it would (`python3 tasks.py test` does not).
    mp = pytest.MonkeyPatch()
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        mp.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))
    request.addfinalizer(mp.undo)
    t0 = time.monotonic()
    root = tmp_path_factory.mktemp("lab-root")
    (root / "source").mkdir()
    for name in SOURCE_NOTEBOOKS:
        shutil.copy2(NOTEBOOKS / name, root / "source" / name)
    release(root / "release")
    release_s = time.monotonic() - t0
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    TIMINGS.write_text("variant\tnotebook\topen_s\trun_all_s\tcells\terrors\timages\t"
                       "widgets\tsliders\tslider_s\ttotal_s\n")
    with LabServer(root, log_path=ARTIFACTS / "jupyterlab.log") as server, \
            sync_playwright() as pw:
        with TIMINGS.open("a") as f:
            f.write(f"# set-up: release {release_s:.1f} s, JupyterLab start "
                    f"{time.monotonic() - t0 - release_s:.1f} s\n")
        browser = launch_chromium(pw)
        context = browser.new_context(viewport=VIEWPORT)
        try:
            yield LabWindow(context, server)
        finally:
            context.close()
            browser.close()


def _code_cells(nb: dict) -> list[tuple[int, dict]]:
    return [(i, c) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _errors(nb: dict) -> list[tuple[int, dict, dict]]:
    return [(i, c, out) for i, c in _code_cells(nb) for out in c.get("outputs", [])
            if out["output_type"] == "error"]


def _describe(i: int, cell: dict, out: dict) -> str:
    cid = cell.get("id", "?")
    return f"cell {i} ({cid}): {out.get('ename')}: {out.get('evalue', '')[:300]}"


def _image_outputs(nb: dict) -> int:
    """Image outputs JupyterLab draws as a plain <img> (an explorer's widget view wins over
    the PNG of its default figure that it carries for headless tools)."""
    return sum("image/png" in out.get("data", {}) and WIDGET_MIME not in out.get("data", {})
               for _, c in _code_cells(nb) for out in c.get("outputs", []))


def _widget_outputs(nb: dict) -> int:
    return sum(WIDGET_MIME in out.get("data", {}) for _, c in _code_cells(nb)
               for out in c.get("outputs", []))


@pytest.mark.notebook
@pytest.mark.timeout(RUN_ALL_TIMEOUT_S + 900)
@pytest.mark.parametrize("variant,name", CASES, ids=[f"{v}-{n[:-6]}" for v, n in CASES])
def test_notebook_in_jupyterlab(lab, variant, name):
    window = lab
    stem = name[:-len(".ipynb")]
    t_start = time.monotonic()
    session = NotebookSession(window, f"{variant}/{name}")
    try:
        session.open()
        open_s = time.monotonic() - t_start
        run_s, replies = session.run_all(timeout_s=RUN_ALL_TIMEOUT_S)
        nb = session.notebook_json()
        assert len(replies) == len(_code_cells(nb)), (
            f"{variant}/{name}: Run All executed {len(replies)} of {len(_code_cells(nb))} "
            "code cells")
        assert "aborted" not in replies, (
            f"{variant}/{name}: the kernel skipped cells after an error: {replies}")

        # Every code cell ran: Run All did not stop at a failing graded check.
        not_run = [c.get("id", str(i)) for i, c in _code_cells(nb) if c["execution_count"] is None]
        assert not not_run, f"{variant}/{name}: cells not executed by Run All: {not_run}"

        errors = _errors(nb)
        if variant == "source":
            assert not errors, (f"{name}: error outputs in the source notebook:\n"
                                + "\n".join(_describe(*e) for e in errors))
        else:
            wrong = [e for e in errors if e[2].get("ename") != "NotImplementedError"
                     or "raises-exception" not in e[1].get("metadata", {}).get("tags", [])]
            assert not wrong, (f"release {name}: errors other than the stubs' "
                               "NotImplementedError in graded cells:\n"
                               + "\n".join(_describe(*e) for e in wrong))
            graded = [c for _, c in _code_cells(nb)
                      if "raises-exception" in c.get("metadata", {}).get("tags", [])]
            assert len(errors) >= 1 or not graded, \
                f"release {name}: no graded check failed on the untouched stubs"

        # Figures: decoded images in the output areas, one per image output.
        images = session.images()
        broken = [im for im in images if not (im["complete"] and im["width"] > 0)]
        assert not broken, f"{variant}/{name}: images not decoded by the browser: {broken}"
        plain = [im for im in images if not im["inWidget"]]
        assert len(plain) == _image_outputs(nb), (
            f"{variant}/{name}: {len(plain)} <img> in output areas for "
            f"{_image_outputs(nb)} image outputs")
        assert images, f"{variant}/{name}: no figure rendered"

        # Widgets: every widget output is drawn by the widget manager.
        views = session.widget_views()
        assert len(views) == _widget_outputs(nb)
        bad = [v for v in views if not v["rendered"] or "Error displaying widget" in v["text"]]
        assert not bad, f"{variant}/{name}: widgets not rendered: {bad}"

        # Sliders: each step redraws the figure of its cell.
        n_sliders = session.sliders().count()
        assert n_sliders == sum(v["sliders"] for v in views)
        t_sliders = time.monotonic()
        first_slider_shot = False
        for k in range(n_sliders):
            moved = session.move_slider(k, timeout_s=SLIDER_TIMEOUT_S)
            assert moved.before != moved.after, f"slider {moved.label!r} did not move"
            assert not moved.errors, f"slider {moved.label!r}: {moved.errors}"
            assert moved.changed_images, (
                f"{variant}/{name}: moving slider {moved.label!r} ({moved.before} -> "
                f"{moved.after}) did not redraw its figure within {SLIDER_TIMEOUT_S} s")
            if not first_slider_shot:
                session.screenshot_view(SCREENSHOTS / f"{variant}_{stem}_slider.png")
                first_slider_shot = True
        slider_s = time.monotonic() - t_sliders

        session.screenshot_notebook(SCREENSHOTS / f"{variant}_{stem}.png")
        assert not session.console_errors, f"page errors: {session.console_errors}"
        total_s = time.monotonic() - t_start
        with TIMINGS.open("a") as f:
            f.write(f"{variant}\t{stem}\t{open_s:.1f}\t{run_s:.1f}\t{len(_code_cells(nb))}\t"
                    f"{len(errors)}\t{len(images)}\t{len(views)}\t{n_sliders}\t"
                    f"{slider_s:.1f}\t{total_s:.1f}\n")
    except BaseException:
        try:
            session.screenshot_view(SCREENSHOTS / f"{variant}_{stem}_FAILED.png")
        except Exception:
            pass
        window.discard()  # the next notebook starts from a fresh tab
        raise
    else:
        session.close()
    finally:
        window.server.shutdown_kernels()


@pytest.mark.notebook
def test_rendered_handout_shows_its_figures(lab, tmp_path):
    """The handout (tools/handout.py) of one notebook, opened from disk as a reader would:
    the index links the page, and every figure of the page is decoded by the browser.
    (It uses the browser of the JupyterLab tests: one Playwright per process.)"""
    from tools import handout

    from .test_headless import FIGURES

    index = handout.build(tmp_path / "site", only=["03"], log=lambda line: None)
    page_file = tmp_path / "site" / "instructor" / "03_ring_attractors.html"
    page = lab.context.new_page()
    try:
        page.goto(index.as_uri())
        links = page.locator("a").evaluate_all("els => els.map(e => e.href)")
        assert page_file.as_uri() in links, f"index does not link the page: {links}"
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        images = page.locator("img").evaluate_all(
            "els => els.map(e => ({complete: e.complete, width: e.naturalWidth}))")
        assert images and all(im["complete"] and im["width"] > 0 for im in images), images
        assert len(images) == FIGURES["03_ring_attractors"], images
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "handout_03.png"))
    finally:
        page.close()
