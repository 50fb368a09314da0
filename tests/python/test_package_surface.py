"""The package as a user meets it: dir(ff) shows the public API only, and every public name
there resolves to an object with a docstring."""

import importlib.resources

import fuseflow as ff


def test_dir_shows_public_api_only():
    names = dir(ff)
    assert "jit" in names and "Graph" in names and "Profile" in names and "__version__" in names
    leaked = [n for n in names if n.startswith("_") and n != "__version__"]
    assert leaked == []
    for module in ("dsl", "io", "graph", "index", "loops", "profile", "os"):
        assert module not in names


def test_every_public_name_resolves_and_is_documented():
    for name in dir(ff):
        if name == "__version__":
            assert isinstance(ff.__version__, str) and ff.__version__.count(".") == 2
            continue
        obj = getattr(ff, name)
        assert obj.__doc__, f"ff.{name} has no docstring"


def test_package_is_marked_typed():
    assert importlib.resources.files("fuseflow").joinpath("py.typed").is_file()


def test_highway_linked_as_reported():
    # Wheels and `scripts/setup.sh` installs link Highway statically: no libhwy is loaded then.
    linkage = ff._core.highway_linkage
    assert linkage in ("static", "shared")
    with open("/proc/self/maps") as maps:
        loaded = "libhwy" in maps.read()
    assert loaded == (linkage == "shared")
