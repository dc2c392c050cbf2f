"""Slide metadata of the lessons and the offline reveal.js decks built from them.

The deck tests build one deck per lesson with slides/build_decks.py from the
outputs stored in the notebooks. nbval checks elsewhere that those outputs are
current. Each deck is opened from the file system in headless Chromium at
1280x720, and every request that is neither file:// nor 127.0.0.1 is aborted.
The deck tests are skipped when npm or Chromium is missing.
"""

import importlib.util
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import nbformat
import pytest

from tests.browser.browser_harness import CHROMIUM_PATH

REPO_DIR = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_DIR / "notebooks"
SLIDES_DIR = REPO_DIR / "slides"
ARTIFACT_DIR = REPO_DIR / "test-artifacts"
LESSONS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSON_IDS = [path.stem for path in LESSONS]

# nbconvert's slide types. "" is what JupyterLab 4 writes for "-" (continue
# the current slide), and nbconvert reads a missing value as "-".
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-", ""}

VIEWPORT = {"width": 1280, "height": 720}
# Milliseconds to wait for reveal.js, MathJax and the widget renderer.
LOAD_TIMEOUT = 30_000

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# reveal.js is loaded through require.js under this module id (the URL the
# template passes to require), so the tests reach its API the same way.
REVEAL_MODULE = "assets/reveal.js/dist/reveal.js"
MATHJAX_IDLE_JS = (
    "() => window.MathJax !== undefined && MathJax.Hub !== undefined"
    " && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0"
)


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type")


def visible_cells(notebook):
    """Return the cells a deck shows: not "skip" and not speaker "notes"."""
    return [cell for cell in notebook.cells if slide_type(cell) not in ("skip", "notes")]


def expected_slide_counts(notebook):
    """Return (slides, subslides) as nbconvert lays them out.

    The first visible cell always starts a slide, each later "slide" cell
    starts another, and every slide contains at least one subslide.
    """
    cells = visible_cells(notebook)
    slides = 1 + sum(slide_type(cell) == "slide" for cell in cells[1:])
    subslides = slides + sum(slide_type(cell) == "subslide" for cell in cells[1:])
    return slides, subslides


def count_outputs(notebook, mime):
    """Count outputs of type ``mime`` in the code cells a deck shows."""
    return sum(
        mime in output.get("data", {})
        for cell in visible_cells(notebook) if cell.cell_type == "code"
        for output in cell.outputs
    )


# -- slide metadata --------------------------------------------------------------


@pytest.mark.parametrize("path", LESSONS, ids=LESSON_IDS)
def test_cells_carry_slide_type(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        assert "slide_type" in cell.metadata.get("slideshow", {}), (
            f"{path.name} cell {index} has no metadata.slideshow.slide_type"
        )
        assert slide_type(cell) in SLIDE_TYPES, (
            f"{path.name} cell {index} has slide_type {slide_type(cell)!r}, "
            f"expected one of {sorted(SLIDE_TYPES)}"
        )


@pytest.mark.parametrize("path", LESSONS, ids=LESSON_IDS)
def test_title_cell_is_slide(path):
    notebook = nbformat.read(path, as_version=4)
    title = notebook.cells[0]
    assert title.cell_type == "markdown", f"{path.name} cell 0 is not a markdown title"
    assert title.source.lstrip().startswith("# "), (
        f"{path.name} cell 0 does not start with a '# ' title"
    )
    assert slide_type(title) == "slide", (
        f"{path.name} cell 0 (the title) has slide_type {slide_type(title)!r}, "
        "expected 'slide'"
    )


@pytest.mark.parametrize("path", LESSONS, ids=LESSON_IDS)
def test_no_dash_slide_type(path):
    # jupyterlab-slideshow 0.3.4 reads slide, subslide, fragment, notes, skip
    # and a missing or empty value. Its live slideshow hides a cell whose
    # slide_type is the literal "-". nbconvert treats "" and "-" alike, so ""
    # works in both.
    notebook = nbformat.read(path, as_version=4)
    dashes = [index for index, cell in enumerate(notebook.cells) if slide_type(cell) == "-"]
    assert dashes == [], (
        f"{path.name} cells {dashes} have slide_type '-', which the live "
        "slideshow (jupyterlab-slideshow) hides: use '' (JupyterLab's '-') instead"
    )


# -- building the decks ----------------------------------------------------------


def load_build_module():
    spec = importlib.util.spec_from_file_location(
        "build_decks", SLIDES_DIR / "build_decks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def install_slide_assets():
    """Run ``npm ci`` in slides/ unless node_modules matches package-lock.json."""
    stamp = SLIDES_DIR / "node_modules" / ".package-lock.json"
    lock = SLIDES_DIR / "package-lock.json"
    if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    result = subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=SLIDES_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"npm ci in {SLIDES_DIR} failed:\n{result.stderr}"


@pytest.fixture(scope="session")
def decks(tmp_path_factory):
    """Build every lesson's deck once per session; return {notebook stem: deck path}."""
    if shutil.which("npm") is None:
        pytest.skip("npm is missing: install Node.js and npm to build the slide decks")
    if not CHROMIUM_PATH.exists():
        pytest.skip(
            f"Chromium is missing at {CHROMIUM_PATH}: install it with "
            "`apt-get install chromium` to test the slide decks"
        )
    install_slide_assets()
    build = load_build_module()
    build_dir = tmp_path_factory.mktemp("slides-build")
    deck_paths = build.build_decks(LESSONS, build_dir, execute=False)
    return {path.name.removesuffix(".slides.html"): path for path in deck_paths}


class OpenDeck:
    """One deck loaded in a page, with the requests it tried to make."""

    def __init__(self, page, path, notebook):
        self.page = page
        self.path = path
        self.notebook = notebook
        self.blocked = []
        self.failed = []

    def guard(self, route):
        url = route.request.url
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("file", "data", "blob") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def reveal(self, expression):
        """Evaluate ``expression`` with ``Reveal`` bound to the deck's reveal.js API."""
        return self.page.evaluate(
            "([module, body]) => new Promise((resolve, reject) => "
            "require([module], (Reveal) => resolve(new Function('Reveal', body)(Reveal)), reject))",
            [REVEAL_MODULE, f"return {expression};"],
        )

    def show_slide(self, horizontal, vertical):
        """Go to a slide and wait until MathJax has typeset it again.

        The deck calls MathJax.Hub.Rerender on the current slide after every
        slide change, and math being rerendered is briefly placed outside it.
        """
        self.reveal(f"Reveal.slide({horizontal}, {vertical})")
        self.page.wait_for_function(MATHJAX_IDLE_JS, timeout=LOAD_TIMEOUT)


@pytest.fixture(scope="session", params=LESSON_IDS)
def deck(request, decks, chromium):
    """A lesson's deck opened at 1280x720 and loaded: reveal.js, MathJax and widgets."""
    name = request.param
    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    opened = OpenDeck(page, decks[name], notebook)
    context.route("**/*", opened.guard)
    page.on("requestfailed", lambda failed: opened.failed.append(
        f"{failed.url}: {failed.failure}"))

    page.goto(decks[name].as_uri())
    page.wait_for_selector(".reveal.ready", state="attached", timeout=LOAD_TIMEOUT)
    page.wait_for_function(MATHJAX_IDLE_JS, timeout=LOAD_TIMEOUT)
    widget_count = count_outputs(notebook, WIDGET_VIEW_MIME)
    if widget_count:
        page.wait_for_function(
            "(count) => document.querySelectorAll('.widget-subarea > .jupyter-widgets').length"
            " >= count",
            arg=widget_count,
            timeout=LOAD_TIMEOUT,
        )
    # Without transitions a slide change is immediate, so a measurement gets
    # the final layout.
    opened.reveal("Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
    yield opened
    context.close()


# -- the decks -------------------------------------------------------------------


def test_decks_cover_latex_figures_widgets():
    # The deck tests below compare counts with the notebooks. This keeps them
    # from passing with nothing to check.
    notebooks = [nbformat.read(path, as_version=4) for path in LESSONS]
    assert any(count_outputs(nb, "image/png") for nb in notebooks), "no lesson has a figure"
    assert any(count_outputs(nb, WIDGET_VIEW_MIME) for nb in notebooks), (
        "no lesson has a widget"
    )
    assert any("$" in cell.source for nb in notebooks for cell in visible_cells(nb)
               if cell.cell_type == "markdown"), "no lesson has LaTeX"


def test_deck_reveal_ready(deck):
    assert deck.page.locator(".reveal.ready").count() == 1
    assert deck.reveal("Reveal.isReady()") is True


def test_deck_slide_count(deck):
    slides, subslides = expected_slide_counts(deck.notebook)
    horizontal = deck.page.locator(".reveal .slides > section").count()
    vertical = deck.page.locator(".reveal .slides > section > section").count()
    assert horizontal == slides
    assert vertical == subslides
    assert deck.reveal("Reveal.getTotalSlides()") == subslides


# Text of the prose and outputs outside MathJax's own elements. MathJax keeps
# the TeX source in hidden nodes (script tags and assistive MathML), and code
# inputs may show TeX in strings, so those are left out.
_UNTYPESET_TEXT_JS = """
() => {
  const mathjax = 'script, .MathJax_CHTML, .MathJax_Preview, .MJX_Assistive_MathML';
  const parts = [];
  for (const root of document.querySelectorAll(
      '.reveal .jp-RenderedMarkdown, .reveal .jp-OutputArea-output')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.parentElement.closest(mathjax)) { parts.push(text.textContent); }
    }
  }
  return parts.join(' ');
}
"""


def test_deck_latex_typeset(deck):
    has_math = any("$" in cell.source for cell in visible_cells(deck.notebook)
                   if cell.cell_type == "markdown")
    if not has_math:
        pytest.skip(f"{deck.path.name}: no LaTeX in its markdown cells")
    typeset = deck.page.locator(".reveal .MathJax_CHTML").count()
    errors = deck.page.locator(".reveal .MathJax_CHTML merror, .reveal .mjx-merror").count()
    text = deck.page.evaluate(_UNTYPESET_TEXT_JS)
    assert typeset > 0
    assert errors == 0
    assert "$\\" not in text
    assert "\\delta" not in text


def test_deck_headings_keep_case(deck):
    # The theme's capitals would turn δp23 into ΔP23 on every heading.
    transforms = deck.page.evaluate(
        "() => [...document.querySelectorAll('.reveal .slides :is(h1, h2, h3, h4)')]"
        ".map((heading) => getComputedStyle(heading).textTransform)"
    )
    assert transforms
    assert set(transforms) == {"none"}


def test_deck_figures_shown(deck):
    expected = count_outputs(deck.notebook, "image/png")
    sizes = deck.page.evaluate(
        "() => [...document.querySelectorAll('.reveal .jp-RenderedImage > img')]"
        ".map((img) => [img.naturalWidth, img.naturalHeight])"
    )
    assert len(sizes) == expected
    assert all(width > 0 and height > 0 for width, height in sizes), sizes


def test_deck_widgets_default_view(deck):
    expected = count_outputs(deck.notebook, WIDGET_VIEW_MIME)
    rendered = deck.page.locator(".widget-subarea > .jupyter-widgets").count()
    errors = deck.page.locator(".jupyter-widgets-error-widget").count()
    assert rendered == expected
    assert errors == 0


def test_deck_kernel_panel_shown(deck):
    if deck.page.locator(".rotconv-panel").count() == 0:
        pytest.skip(f"{deck.path.name} has no kernel panel")
    import rotconv_helpers as rh

    box = deck.page.locator(".rotconv-k-11 input")
    full = deck.page.locator(".rotconv-delta-p-full [data-value]")
    values = [float(cell.get_attribute("data-value")) for cell in full.all()]
    expected = rh.delta_p_full_conv(rh.EXAMPLE_DELTA_C, rh.EXAMPLE_K)
    assert float(box.input_value()) == rh.EXAMPLE_K[0, 0]
    assert values == pytest.approx(expected.ravel().tolist())


# Smallest on-screen size, in CSS pixels of a 1280x720 slide, accepted for the
# detail lines of a check result. nbconvert's reveal.js styles set them (a pre
# inside HTML output) at about 11 px, too small for a projector.
MIN_DETAIL_FONT_PX = 16


def test_deck_check_details_size(deck):
    from rotconv_helpers.feedback import DETAILS_CLASS

    expected = sum(
        DETAILS_CLASS in "".join(output.get("data", {}).get("text/html", ""))
        for cell in visible_cells(deck.notebook) if cell.cell_type == "code"
        for output in cell.outputs
    )
    if not expected:
        pytest.skip(f"{deck.path.name} shows no check result with detail lines")
    sizes = deck.page.evaluate(
        "(name) => [...document.querySelectorAll(`.reveal pre.${name}`)]"
        ".map((pre) => parseFloat(getComputedStyle(pre).fontSize))",
        DETAILS_CLASS,
    )
    # reveal.js scales the whole slide to fit the window, so the size on screen
    # is the computed size times that scale.
    scale = deck.reveal("Reveal.getScale()")
    assert len(sizes) == expected
    assert min(sizes) * scale >= MIN_DETAIL_FONT_PX, (
        f"{deck.path.name}: check result details at {min(sizes)} px, scaled by "
        f"{scale:.2f}, are smaller than {MIN_DETAIL_FONT_PX} px on screen"
    )


def test_deck_stays_offline(deck):
    assert deck.blocked == []
    assert deck.failed == []


# Leaf content (text, images, form controls) that lies outside the slide or
# outside a box that clips it (overflow other than visible) cannot be seen.
# Returns the notebook cell ids of such content with the direction.
_OVERFLOW_JS = """
() => {
  const slideBox = document.querySelector('.reveal .slides').getBoundingClientRect();
  const slide = document.querySelector('.reveal .slides > section.present > section.present');
  const found = {};
  const clipOf = (node) => {
    let clip = {left: slideBox.left, top: slideBox.top, right: slideBox.right,
                bottom: slideBox.bottom};
    for (let el = node.parentElement; el && el !== slide; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const box = el.getBoundingClientRect();
        clip = {left: Math.max(clip.left, box.left), top: Math.max(clip.top, box.top),
                right: Math.min(clip.right, box.right),
                bottom: Math.min(clip.bottom, box.bottom)};
      }
    }
    return clip;
  };
  const check = (node, box) => {
    if (box.width === 0 || box.height === 0) { return; }
    const clip = clipOf(node);
    const sides = [];
    if (box.bottom > clip.bottom + 1) { sides.push('bottom'); }
    if (box.right > clip.right + 1) { sides.push('right'); }
    if (box.top < clip.top - 1) { sides.push('top'); }
    if (box.left < clip.left - 1) { sides.push('left'); }
    if (!sides.length) { return; }
    const element = node.nodeType === 1 ? node : node.parentElement;
    const cell = element.closest('.jp-Cell');
    const id = cell ? cell.id.replace('cell-id=', '') : '(no cell)';
    found[id] = [...new Set([...(found[id] || []), ...sides])];
  };
  // MathJax's copy of each formula for screen readers is clipped to 1px on purpose.
  const screenReaderOnly = '.MJX_Assistive_MathML, script';
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.textContent.trim() || text.parentElement.closest(screenReaderOnly)) {
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(text);
    for (const box of range.getClientRects()) { check(text, box); }
  }
  for (const el of slide.querySelectorAll('img, svg, canvas, input, button, .mjx-chtml')) {
    check(el, el.getBoundingClientRect());
  }
  return found;
}
"""


def test_deck_fits_1280x720(deck):
    cell_index = {cell.id: index for index, cell in enumerate(deck.notebook.cells)}
    shape = deck.page.evaluate(
        "() => [...document.querySelectorAll('.reveal .slides > section')]"
        ".map((slide) => slide.querySelectorAll(':scope > section').length)"
    )
    overflows = []
    for horizontal, count in enumerate(shape):
        for vertical in range(count):
            deck.show_slide(horizontal, vertical)
            for cell_id, sides in deck.page.evaluate(_OVERFLOW_JS).items():
                where = f"cell {cell_index.get(cell_id, cell_id)}"
                overflows.append(
                    f"slide {horizontal}/{vertical}, {where}: past the {'/'.join(sides)} edge"
                )
    assert overflows == [], (
        f"{deck.path.name}: content falls off a 1280x720 slide "
        "(slide numbers are reveal.js h/v, cells are notebook indices):\n"
        + "\n".join(overflows)
    )


def test_deck_screenshots(deck):
    """Save the first slide with a figure and the first with a widget to test-artifacts/."""
    targets = {
        "figure": ".reveal .jp-RenderedImage > img",
        "widget": ".reveal .widget-subarea > .jupyter-widgets",
    }
    present = {kind: selector for kind, selector in targets.items()
               if deck.page.locator(selector).count()}
    if not present:
        pytest.skip(f"{deck.path.name} has no figure and no widget")
    ARTIFACT_DIR.mkdir(exist_ok=True)
    for kind, selector in present.items():
        horizontal, vertical = deck.page.evaluate(
            """(selector) => {
                const leaf = document.querySelector(selector)
                    .closest('.slides > section > section');
                const stack = leaf.parentElement;
                const stacks = [...document.querySelectorAll('.reveal .slides > section')];
                const leaves = [...stack.querySelectorAll(':scope > section')];
                return [stacks.indexOf(stack), leaves.indexOf(leaf)];
            }""",
            selector,
        )
        deck.show_slide(horizontal, vertical)
        path = ARTIFACT_DIR / f"slides-{deck.path.name.removesuffix('.slides.html')}-{kind}.png"
        deck.page.screenshot(path=str(path))
        assert path.stat().st_size > 0
