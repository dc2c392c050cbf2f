"""Build one offline reveal.js deck per notebook.

Each notebook is executed into ``BUILD/executed/`` so that its outputs and widget
state are fresh, then exported with nbconvert's SlidesExporter into
``BUILD/slides/NAME.slides.html``. Every script, style sheet and font that a
deck loads is copied from ``slides/node_modules`` (installed by ``npm ci`` from
package-lock.json) into ``BUILD/slides/assets/`` and referenced by a relative
path, so a deck opened from the file system makes no network request.

Usage::

    python slides/build_decks.py [--build-dir build] [--no-execute] [NOTEBOOK ...]

Without NOTEBOOK arguments every ``notebooks/*.ipynb`` is built.
"""

import argparse
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import ExecutePreprocessor

SLIDES_DIR = Path(__file__).resolve().parent
REPO_DIR = SLIDES_DIR.parent
NODE_MODULES = SLIDES_DIR / "node_modules"
TEMPLATE_NAME = "reveal_offline"

# Slide size in CSS pixels. reveal.js scales the slide to the screen, so a
# 1280x720 projector shows it at scale 1.
SLIDE_WIDTH = 1280
SLIDE_HEIGHT = 720

# Seconds one cell may run while a notebook is executed.
CELL_TIMEOUT = 120

# URLs relative to the deck's folder. MathJax.js is loaded instead of the
# stock latest.js, which would fetch the newest MathJax 2 from a CDN.
ASSETS = "assets"
REVEAL_PREFIX = f"{ASSETS}/reveal.js"
REQUIRE_JS_URL = f"{ASSETS}/requirejs/require.js"
JQUERY_URL = f"{ASSETS}/jquery/dist/jquery.min.js"
MATHJAX_URL = f"{ASSETS}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
WIDGET_MODULES_PATH = f"{ASSETS}/@jupyter-widgets"
WIDGET_RENDERER_URL = f"{WIDGET_MODULES_PATH}/html-manager/dist/embed-amd.js"

# Files the decks load, as glob patterns relative to node_modules. Everything
# else in node_modules (source maps, other themes, MathJax's SVG and HTML-CSS
# output, accessibility extensions, fonts in formats Chromium does not pick)
# stays out of the build folder.
ASSET_PATTERNS = [
    "reveal.js/LICENSE",
    "reveal.js/dist/reveal.js",
    "reveal.js/dist/reveal.css",
    "reveal.js/dist/theme/white.css",
    "reveal.js/dist/theme/fonts/source-sans-pro/source-sans-pro.css",
    "reveal.js/dist/theme/fonts/source-sans-pro/*.woff",
    "reveal.js/dist/theme/fonts/source-sans-pro/LICENSE",
    "reveal.js/plugin/notes/notes.js",
    "requirejs/require.js",
    "jquery/LICENSE.txt",
    "jquery/dist/jquery.min.js",
    "mathjax/LICENSE",
    "mathjax/MathJax.js",
    "mathjax/config/TeX-AMS_CHTML-full.js",
    "mathjax/config/Safe.js",
    "mathjax/extensions/*.js",
    "mathjax/extensions/TeX/*.js",
    "mathjax/jax/input/TeX/**/*.js",
    "mathjax/jax/output/CommonHTML/**/*.js",
    "mathjax/jax/element/**/*.js",
    "mathjax/fonts/HTML-CSS/TeX/woff/**/*.woff",
    "@jupyter-widgets/html-manager/dist/embed-amd.js",
    "@jupyter-widgets/html-manager/dist/*.woff2",
]

# Extra copies as (pattern, folder relative to the assets folder). The widget
# renderer bundles the AMD modules "@jupyter-widgets/base" and
# "@jupyter-widgets/html-manager/dist/libembed-amd", and each module looks for
# the Font Awesome icon fonts in the folder of the URL its name maps to.
EXTRA_ASSET_COPIES = [
    ("@jupyter-widgets/html-manager/dist/*.woff2", "@jupyter-widgets"),
]


def copy_assets(assets_dir, node_modules=NODE_MODULES):
    """Copy the files matched by ASSET_PATTERNS and EXTRA_ASSET_COPIES into ``assets_dir``.

    Returns the number of files copied. Raises FileNotFoundError when
    node_modules is missing or a pattern matches nothing, which means
    package.json and ASSET_PATTERNS no longer agree.
    """
    if not node_modules.is_dir():
        raise FileNotFoundError(
            f"{node_modules} not found: run `npm ci` in {SLIDES_DIR} first "
            "(`make slides` does)"
        )
    if assets_dir.exists():
        shutil.rmtree(assets_dir)

    copies = [(pattern, None) for pattern in ASSET_PATTERNS] + EXTRA_ASSET_COPIES
    copied = 0
    for pattern, target_folder in copies:
        matches = sorted(path for path in node_modules.glob(pattern) if path.is_file())
        if not matches:
            raise FileNotFoundError(
                f"no file in {node_modules} matches {pattern!r}: "
                "update ASSET_PATTERNS to the installed package versions"
            )
        for source in matches:
            if target_folder is None:
                target = assets_dir / source.relative_to(node_modules)
            else:
                target = assets_dir / target_folder / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied += 1
    return copied


def execute_notebook(notebook_path, executed_dir):
    """Execute a notebook in its own folder and write the result to ``executed_dir``.

    Widget state is stored in the notebook metadata, which the deck needs to
    show each widget's default view. Returns the executed notebook node.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    executor = ExecutePreprocessor(
        timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True
    )
    executor.preprocess(notebook, {"metadata": {"path": str(notebook_path.parent)}})

    executed_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, executed_dir / notebook_path.name)
    return notebook


def make_exporter():
    """Return a SlidesExporter that points every asset at the local copies."""
    exporter = SlidesExporter(
        extra_template_basedirs=[str(SLIDES_DIR / "templates")],
        template_name=TEMPLATE_NAME,
    )
    exporter.reveal_url_prefix = REVEAL_PREFIX
    exporter.reveal_theme = "white"
    exporter.reveal_width = str(SLIDE_WIDTH)
    exporter.reveal_height = str(SLIDE_HEIGHT)
    exporter.require_js_url = REQUIRE_JS_URL
    exporter.jquery_url = JQUERY_URL
    exporter.mathjax_url = MATHJAX_URL
    exporter.widget_renderer_url = WIDGET_RENDERER_URL
    # "In [n]:" prompts take width from the slide and mean nothing in class.
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def export_deck(notebook, name, slides_dir, exporter=None):
    """Write ``slides_dir/NAME.slides.html`` from a notebook node and return its path."""
    exporter = exporter or make_exporter()
    resources = {
        "metadata": {"name": name},
        "widget_modules_path": WIDGET_MODULES_PATH,
    }
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    slides_dir.mkdir(parents=True, exist_ok=True)
    deck_path = slides_dir / f"{name}.slides.html"
    deck_path.write_text(body, encoding="utf-8")
    return deck_path


def build_decks(notebook_paths, build_dir, execute=True):
    """Build one deck per notebook under ``build_dir/slides`` and return the deck paths.

    With ``execute=False`` the outputs and widget state stored in each
    notebook are used as they are, which is faster but only as fresh as the
    last save.
    """
    slides_dir = build_dir / "slides"
    executed_dir = build_dir / "executed"
    copy_assets(slides_dir / ASSETS)

    exporter = make_exporter()
    deck_paths = []
    for notebook_path in notebook_paths:
        if execute:
            notebook = execute_notebook(notebook_path, executed_dir)
        else:
            notebook = nbformat.read(notebook_path, as_version=4)
        deck_paths.append(export_deck(notebook, notebook_path.stem, slides_dir, exporter))
    return deck_paths


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to build (default: every notebooks/*.ipynb)",
    )
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=REPO_DIR / "build",
        help="folder for executed notebooks and decks (default: build)",
    )
    parser.add_argument(
        "--no-execute",
        dest="execute",
        action="store_false",
        help="use the outputs stored in the notebooks instead of executing them",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    notebook_paths = args.notebooks or sorted((REPO_DIR / "notebooks").glob("*.ipynb"))
    if not notebook_paths:
        sys.exit("no notebooks to build: notebooks/*.ipynb matched nothing")

    for deck_path in build_decks(notebook_paths, args.build_dir, args.execute):
        print(deck_path)


if __name__ == "__main__":
    main()
