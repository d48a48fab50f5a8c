"""The collection as students meet it: JupyterLab in a real browser (the browser tier).

What only a browser shows, read from the runs the other tiers made (``executed_notebook``):

- every executed source notebook (nbval's run) and every executed release (the grading round
  trip's run) opens in JupyterLab with every cell and no page error. Each figure of a source run
  is an image in an output area that the browser decoded, one per image output, as many as
  pinned. The grading kernel draws no figures, so a release run shows text and errors only;
- in the notebooks that have explorers (``WIDGET_NOTEBOOKS``), Run > Run All Cells is clicked
  on a short notebook made of their setup cells, their first exercise and graded check, and
  their explorer cells, as source and as release. Run All goes on past the release's failing
  check (tagged ``raises-exception``), every widget renders (no "Error displaying widget"), and
  moving each slider one step with the keyboard redraws its figure without an error;
- the rendered handout's page of an executed notebook, opened offline, shows every figure and
  typeset equations (MathJax from the site's own copy).

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

import nbformat
import pytest

from .browser_support import VIEWPORT, LabServer, LabWindow, NotebookSession, launch_chromium, missing_browser_reason
from .conftest import NOTEBOOKS, ROOT
from .notebook_runs import FIGURES, executed_notebook

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
TIMINGS = ARTIFACTS / "browser_timings.tsv"
#: Seconds "Run All Cells" may take for one short widget notebook.
RUN_ALL_TIMEOUT_S = 600
#: Seconds one slider step may take to redraw its figure.
SLIDER_TIMEOUT_S = 180
#: Seconds to wait for the run of a notebook by another tier of this session.
RUN_WAIT_S = 2700

SOURCE_NOTEBOOKS = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CASES = [(variant, stem) for stem in SOURCE_NOTEBOOKS for variant in ("source", "release")]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
EXPLORER = "_explorer("
#: Notebooks with an interactive explorer (a cell calling ``widgets.<name>_explorer``).
WIDGET_NOTEBOOKS = [stem for stem in SOURCE_NOTEBOOKS
                    if any(EXPLORER in c.source for c in nbformat.read(NOTEBOOKS / f"{stem}.ipynb", 4).cells)]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    """JupyterLab over an empty root folder and a fresh student release (in ``_release/``)."""
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
    for folder in ("source", "release", "widgets"):
        (root / folder).mkdir()
    release(root / "_release")
    release_s = time.monotonic() - t0
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    TIMINGS.write_text("kind\tnotebook\topen_s\trun_all_s\tcells\terrors\timages\t"
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


def _timing(kind: str, stem: str, open_s: float, run_s: float, nb: dict, images: int, views: int,
            sliders: int, slider_s: float, total_s: float) -> None:
    with TIMINGS.open("a") as f:
        f.write(f"{kind}\t{stem}\t{open_s:.1f}\t{run_s:.1f}\t{len(_code_cells(nb))}\t{len(_errors(nb))}\t"
                f"{images}\t{views}\t{sliders}\t{slider_s:.1f}\t{total_s:.1f}\n")


def _check_images(session: NotebookSession, nb: dict, where: str, required: bool = True) -> list[dict]:
    images = session.images()
    broken = [im for im in images if not (im["complete"] and im["width"] > 0)]
    assert not broken, f"{where}: images not decoded by the browser: {broken}"
    plain = [im for im in images if not im["inWidget"]]
    assert len(plain) == _image_outputs(nb), (
        f"{where}: {len(plain)} <img> in output areas for {_image_outputs(nb)} image outputs")
    assert images or not required, f"{where}: no figure rendered"
    return images


def _session(window: LabWindow, rel_path: str, shot: Path, check) -> None:
    """Open ``rel_path``, run ``check(session)``, screenshot; a failure leaves a fresh tab."""
    session = NotebookSession(window, rel_path)
    try:
        session.open()
        check(session)
        session.screenshot_notebook(shot)
        assert not session.console_errors, f"page errors: {session.console_errors}"
    except BaseException:
        try:
            session.screenshot_view(shot.with_name(shot.stem + "_FAILED.png"))
        except Exception:
            pass
        window.discard()  # the next notebook starts from a fresh tab
        raise
    else:
        session.close()
    finally:
        window.server.shutdown_kernels()


@pytest.mark.timeout(RUN_WAIT_S + 600)
@pytest.mark.parametrize("variant,stem", CASES, ids=[f"{v}-{n}" for v, n in CASES])
def test_executed_notebook_opens_with_its_figures(lab, request, variant, stem):
    """Each run of each notebook, opened in JupyterLab: every figure is decoded and drawn."""
    from tools import handout

    ran = executed_notebook(request.config, variant, stem, timeout_s=RUN_WAIT_S)
    nb = handout.static_copy(nbformat.read(ran, as_version=4))  # no kernel state: widget views -> figures
    nbformat.write(nb, lab.server.root / variant / f"{stem}.ipynb")
    expected = nbformat.reads(nbformat.writes(nb), as_version=4)
    t0 = time.monotonic()

    def check(session: NotebookSession) -> None:
        open_s = time.monotonic() - t0
        shown = session.notebook_json()
        assert len(_code_cells(shown)) == len(_code_cells(expected)), f"{variant}/{stem}: cells lost on opening"
        # the grading kernel shows no figures (its guard resets matplotlib's display hook): a
        # release run has only text, errors of the untouched stubs, and the fallbacks' lines
        images = _check_images(session, shown, f"{variant}/{stem}", required=variant == "source")
        if variant == "source":
            assert len(images) == FIGURES[stem], f"{variant}/{stem}: {len(images)} figures, pinned {FIGURES[stem]}"
        _timing(f"open-{variant}", stem, open_s, 0.0, shown, len(images), 0, 0, 0.0, time.monotonic() - t0)

    _session(lab, f"{variant}/{stem}.ipynb", SCREENSHOTS / f"{variant}_{stem}.png", check)


def widget_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A short notebook for the browser: the code cells before the first exercise (set-up),
    the first exercise and its graded check, and every explorer cell."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = next(i for i, c in enumerate(code) if c.metadata.get("nbgrader", {}).get("solution"))
    keep = code[:first + 2] + [c for c in code[first + 2:] if EXPLORER in c.source]
    short = nbformat.from_dict(nb)
    short.cells = [nbformat.from_dict(c) for c in keep]
    for cell in short.cells:
        cell.outputs, cell.execution_count = [], None
    return short


@pytest.mark.timeout(RUN_ALL_TIMEOUT_S + 900)
@pytest.mark.parametrize("variant,stem", [(v, n) for n in WIDGET_NOTEBOOKS for v in ("source", "release")],
                         ids=[f"{v}-{n}" for n in WIDGET_NOTEBOOKS for v in ("source", "release")])
def test_run_all_renders_widgets_that_move(lab, variant, stem):
    """Run All in JupyterLab: past the release's failing check, every widget drawn, every slider
    redraws its figure."""
    origin = NOTEBOOKS / f"{stem}.ipynb" if variant == "source" else lab.server.root / "_release" / f"{stem}.ipynb"
    rel_path = f"widgets/{variant}_{stem}.ipynb"
    nbformat.write(widget_notebook(nbformat.read(origin, as_version=4)), lab.server.root / rel_path)
    t0 = time.monotonic()

    def check(session: NotebookSession) -> None:
        open_s = time.monotonic() - t0
        run_s, replies = session.run_all(timeout_s=RUN_ALL_TIMEOUT_S)
        nb = session.notebook_json()
        where = f"{variant}/{stem} (widget cells)"
        assert len(replies) == len(_code_cells(nb)), f"{where}: Run All executed {len(replies)} cells"
        assert "aborted" not in replies, f"{where}: the kernel skipped cells after an error: {replies}"
        not_run = [c.get("id", str(i)) for i, c in _code_cells(nb) if c["execution_count"] is None]
        assert not not_run, f"{where}: cells not executed by Run All: {not_run}"
        errors = _errors(nb)
        if variant == "source":
            assert not errors, f"{where}: error outputs:\n" + "\n".join(_describe(*e) for e in errors)
        else:
            wrong = [e for e in errors if e[2].get("ename") != "NotImplementedError"
                     or "raises-exception" not in e[1].get("metadata", {}).get("tags", [])]
            assert not wrong, f"{where}: errors other than the stub's:\n" + "\n".join(_describe(*e) for e in wrong)
            assert errors, f"{where}: the untouched stub's graded check did not fail"
        images = _check_images(session, nb, where)
        views = session.widget_views()
        assert views and len(views) == _widget_outputs(nb), f"{where}: {len(views)} widget views"
        bad = [v for v in views if not v["rendered"] or "Error displaying widget" in v["text"]]
        assert not bad, f"{where}: widgets not rendered: {bad}"
        n_sliders = session.sliders().count()
        assert n_sliders and n_sliders == sum(v["sliders"] for v in views)
        t_sliders = time.monotonic()
        for k in range(n_sliders):
            moved = session.move_slider(k, timeout_s=SLIDER_TIMEOUT_S)
            assert moved.before != moved.after, f"slider {moved.label!r} did not move"
            assert not moved.errors, f"slider {moved.label!r}: {moved.errors}"
            assert moved.changed_images, (
                f"{where}: moving slider {moved.label!r} ({moved.before} -> {moved.after}) did not redraw "
                f"its figure within {SLIDER_TIMEOUT_S} s")
            if k == 0:
                session.screenshot_view(SCREENSHOTS / f"widgets_{variant}_{stem}_slider.png")
        _timing(f"widgets-{variant}", stem, open_s, run_s, nb, len(images), len(views), n_sliders,
                time.monotonic() - t_sliders, time.monotonic() - t0)

    _session(lab, rel_path, SCREENSHOTS / f"widgets_{variant}_{stem}.png", check)


def test_widget_notebooks_are_found():
    """The explorers are found (notebooks 01 and 03 have them), so the widget test cannot pass empty."""
    assert {"01_rnn_basics", "03_ring_attractors"} <= set(WIDGET_NOTEBOOKS)
    short = widget_notebook(nbformat.read(NOTEBOOKS / "03_ring_attractors.ipynb", as_version=4))
    assert sum(EXPLORER in c.source for c in short.cells) >= 1
    assert short.cells[-1].source.strip().startswith("widgets.") and len(short.cells) < 10


#: Seconds MathJax may take to typeset a handout page.
TYPESET_TIMEOUT_S = 120
#: MathJax has started and typeset the page: its queue is idle and every equation it read (their
#: TeX is kept in ``script`` elements) has its output element.
_TYPESET = """() => {
    if (!(window.MathJax && MathJax.isReady) || MathJax.Hub.queue.pending || MathJax.Hub.queue.running) return false;
    const scripts = document.querySelectorAll('script[type^="math/tex"]').length;
    return scripts > 0 && document.querySelectorAll(".MathJax, .MathJax_Display").length >= scripts;
}"""
#: What the typeset page shows: output elements, equations read, errors, and whether a TeX
#: delimiter is still in the text of a markdown cell.
_TYPESET_SUMMARY = """() => {
    const text = [...document.querySelectorAll(".jp-MarkdownCell")].map(e => e.innerText).join("\\n");
    return {markdown: document.querySelectorAll(".jp-MarkdownCell").length,
            output: document.querySelectorAll(".MathJax, .MathJax_Display").length,
            scripts: document.querySelectorAll('script[type^="math/tex"]').length,
            errors: document.querySelectorAll(".MathJax_Error, .merror, merror").length,
            rawDisplay: text.includes("$$"), rawInline: /\\$\\\\[a-zA-Z]/.test(text)};
}"""


@pytest.mark.timeout(RUN_WAIT_S + 300)
def test_rendered_handout_shows_its_figures_and_equations_offline(lab, request, tmp_path):
    """The handout page (tools/handout.py) of notebook 03's source run, opened from disk as a
    reader would, in a browser context that is offline and whose every request other than a file
    of the site is aborted: the index links the page, every figure of the page is decoded, and
    MathJax (the site's own copy) typesets every equation. (It uses the browser of the JupyterLab
    tests: one Playwright per process.)"""
    from tools import handout

    stem = "03_ring_attractors"
    ran = executed_notebook(request.config, "source", stem, timeout_s=RUN_WAIT_S)
    ex = handout.Executed(NOTEBOOKS / f"{stem}.ipynb", nbformat.read(ran, as_version=4), 0.0)
    site = tmp_path / "site"
    (site / "instructor").mkdir(parents=True)
    mathjax = handout.copy_mathjax(site)
    page_file = handout.write_page(ex, site / "instructor" / f"{stem}.html", mathjax)
    index = handout.write_index([("instructor", ex, page_file)], site)
    blocked: list[str] = []

    def only_files(route) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):  # the site's files, nothing remote
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context = lab.context.browser.new_context(viewport=VIEWPORT, offline=True)
    context.route("**/*", only_files)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    try:
        page.goto(index.as_uri())
        links = page.locator("a").evaluate_all("els => els.map(e => e.href)")
        assert page_file.as_uri() in links, f"index does not link the page: {links}"
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        images = page.locator("img").evaluate_all(
            "els => els.map(e => ({complete: e.complete, width: e.naturalWidth}))")
        assert images and all(im["complete"] and im["width"] > 0 for im in images), images
        assert len(images) == FIGURES[stem], images
        assert page.evaluate("() => typeof window.MathJax") == "object", "MathJax did not load from the site's copy"
        page.wait_for_function(_TYPESET, timeout=TYPESET_TIMEOUT_S * 1000)
        typeset = page.evaluate(_TYPESET_SUMMARY)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "handout_03.png"), full_page=False)
        remote = [u for u in requested if not u.startswith(("file:", "data:", "about:"))]
        assert not blocked and not remote, f"the page asked the network for {blocked + remote}"
        assert any(f"/{handout.MATHJAX_FOLDER}/" in u for u in requested), "MathJax came from the site's copy"
        equations = sum("$" in c.source for c in ex.nb.cells if c.cell_type == "markdown")
        assert typeset["markdown"] == sum(c.cell_type == "markdown" for c in ex.nb.cells), typeset
        assert equations and typeset["scripts"] >= equations and typeset["output"] >= typeset["scripts"], typeset
        assert not typeset["errors"] and not typeset["rawDisplay"] and not typeset["rawInline"], typeset
    finally:
        page.close()
        context.close()
