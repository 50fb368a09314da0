"""Sphinx configuration of the fuseflow API reference (scripts/build_docs.sh builds it).

The reference is generated from the docstrings by autodoc. scripts/build_docs.sh runs Sphinx
with -W, so a broken docstring (malformed reStructuredText, a bad cross-reference target
syntax) fails the build; so does a public object documented here without a docstring (the
hook below turns that into a warning).
"""

import os
import sys

from sphinx.util import logging

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "python")))

import fuseflow  # noqa: E402

project = "fuseflow"
version = release = fuseflow.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.doctest"]
autodoc_member_order = "bysource"
autodoc_default_options = {}  # each directive lists what it documents
autodoc_typehints = "none"  # the signatures come from the code; types live in the .pyi stubs
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "alabaster"
html_static_path = []
exclude_patterns = ["_build"]
doctest_global_setup = "import fuseflow as ff\nimport numpy as np"

_log = logging.getLogger("fuseflow.docs")


def _require_docstring(app, what, name, obj, options, lines):
    """A public function, method, class or property rendered without any docstring text is a
    warning (an error under -W)."""
    if what in ("function", "method", "class", "property") and not any(line.strip() for line in lines):
        short = name.rsplit(".", 1)[-1]
        if not short.startswith("_"):
            _log.warning(f"missing docstring: {name}", type="fuseflow", subtype="docstring")


def setup(app):
    app.connect("autodoc-process-docstring", _require_docstring)
