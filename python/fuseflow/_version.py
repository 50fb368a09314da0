"""The fuseflow version: the one place it is written (CMake and pyproject.toml read this file)."""

__version__ = "0.1.0"
