"""The peers fuseflow is measured against: imported on first use, skipped with one line when
missing (`pip install "fuseflow[bench]"` installs them), versions recorded in the run's JSON."""

import importlib
import importlib.metadata

# name used in the results -> (module to import, distribution name for the version)
PEERS = {
    "numpy": ("numpy", "numpy"),
    "scipy": ("scipy", "scipy"),
    "numexpr": ("numexpr", "numexpr"),
    "jax": ("jax", "jax"),
    "numba": ("numba", "numba"),
    "graphblas": ("graphblas", "python-graphblas"),
    "igraph": ("igraph", "igraph"),
    "networkit": ("networkit", "networkit"),
    "faiss": ("faiss", "faiss-cpu"),
    "usearch": ("usearch.index", "usearch"),
    "pandas": ("pandas", "pandas"),
    "quantlib": ("QuantLib", "QuantLib"),
    "py_vollib": ("py_vollib.black_scholes", "py_vollib"),
    "py_vollib_vectorized": ("py_vollib_vectorized", "py_vollib_vectorized"),
    "matplotlib": ("matplotlib", "matplotlib"),
}

INSTALL_HINT = 'pip install "fuseflow[bench]"'


def _configure(name, module):
    if name == "jax":
        # float64 like every other side (JAX defaults to float32); set before any JAX array exists.
        module.config.update("jax_enable_x64", True)
        module.config.update("jax_platforms", "cpu")


class Peers:
    """Import-once registry; `disabled` names are treated as missing (--skip-peers)."""

    def __init__(self, disabled=(), on_skip=None):
        self.disabled = set(disabled)
        self.modules = {}
        self.missing = {}
        self.on_skip = on_skip or (lambda name, reason: None)

    def get(self, name):
        """The peer's module, or None after reporting it skipped (once per run)."""
        if name in self.modules:
            return self.modules[name]
        if name in self.missing:
            return None
        module_name, _ = PEERS[name]
        if name in self.disabled:
            reason = "disabled (--skip-peers)"
        else:
            try:
                module = importlib.import_module(module_name)
                _configure(name, module)
                self.modules[name] = module
                return module
            except Exception as e:  # ImportError, or a broken install raising anything at import
                reason = f"not installed ({type(e).__name__}: {e}); {INSTALL_HINT}"
        self.missing[name] = reason
        self.on_skip(name, reason)
        return None

    def versions(self):
        out = {}
        for name in self.modules:
            dist = PEERS[name][1]
            try:
                out[name] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                out[name] = getattr(self.modules[name], "__version__", "unknown")
        return out
