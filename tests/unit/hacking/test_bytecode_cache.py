"""hacking/bytecode_cache.py: modules imported from a zip archive are compiled once per source, not per process."""

import importlib
import os
import subprocess
import sys
import zipfile
import zipimport

from hacking import bytecode_cache

SOURCE = b"def where():\n    return __file__\n\n\ndef fail():\n    raise ValueError('from the archive')\n"


def archive(directory, name, source=SOURCE):
    path = directory / name
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("pkg/__init__.py", b"")
        out.writestr("pkg/mod.py", source)
    return path


def import_from(path):
    """pkg.mod, imported afresh from the archive at ``path``."""
    for name in ("pkg.mod", "pkg"):
        sys.modules.pop(name, None)
    sys.path.insert(0, str(path))
    try:
        importlib.invalidate_caches()
        return importlib.import_module("pkg.mod")
    finally:
        sys.path.remove(str(path))
        for name in ("pkg.mod", "pkg"):
            sys.modules.pop(name, None)
        zipimport._zip_directory_cache.pop(str(path), None)


def test_a_second_archive_with_the_same_source_uses_the_cached_code(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    compiled = []

    def counting(pathname, source):
        compiled.append(pathname)
        return compile(source, pathname, "exec", dont_inherit=True)

    monkeypatch.setattr(zipimport, "_compile_source", bytecode_cache.caching(counting, str(cache)))
    first = import_from(archive(tmp_path, "first.zip"))
    assert [os.path.basename(p) for p in compiled] == ["__init__.py", "mod.py"]
    assert len(os.listdir(cache)) == 2

    second = import_from(archive(tmp_path, "second.zip"))
    assert len(compiled) == 2, "nothing compiled again"
    # The code takes the path of the archive it is loaded from, in tracebacks too.
    assert second.where() == str(tmp_path / "second.zip" / "pkg" / "mod.py")
    assert first.where() == str(tmp_path / "first.zip" / "pkg" / "mod.py")
    try:
        second.fail()
    except ValueError as error:
        assert error.__traceback__.tb_next.tb_frame.f_code.co_filename == second.where()


def test_another_source_at_the_same_path_is_compiled(tmp_path, monkeypatch):
    compiled = []

    def counting(pathname, source):
        compiled.append(source)
        return compile(source, pathname, "exec", dont_inherit=True)

    monkeypatch.setattr(zipimport, "_compile_source", bytecode_cache.caching(counting, str(tmp_path / "cache")))
    import_from(archive(tmp_path, "old.zip"))
    changed = import_from(archive(tmp_path, "new.zip", SOURCE + b"\n\ndef added():\n    return 1\n"))
    assert changed.added() == 1
    assert len([s for s in compiled if s]) == 2


def test_an_unreadable_cache_entry_is_compiled_again(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(zipimport, "_compile_source", bytecode_cache.caching(zipimport._compile_source, str(cache)))
    import_from(archive(tmp_path, "a.zip"))
    for entry in cache.iterdir():
        entry.write_bytes(b"not marshal data")
    assert import_from(archive(tmp_path, "b.zip")).where().endswith("b.zip/pkg/mod.py")


def test_installed_it_acts_only_where_the_variable_is_set(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    bytecode_cache.install(str(site))
    assert (site / f"{bytecode_cache.MODULE}.pth").read_text() == bytecode_cache.PTH_LINE
    probe = (
        "import site, sys, zipimport; site.addsitedir(sys.argv[1]); "
        "print(zipimport._compile_source.__name__, 'multiregion_bytecode_cache' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != bytecode_cache.VARIABLE}
    off = subprocess.run([sys.executable, "-c", probe, str(site)], env=env, capture_output=True, text=True, check=True)
    assert off.stdout.split() == ["_compile_source", "False"]
    env[bytecode_cache.VARIABLE] = str(tmp_path / "cache")
    on = subprocess.run([sys.executable, "-c", probe, str(site)], env=env, capture_output=True, text=True, check=True)
    assert on.stdout.split() == ["compile_cached", "True"]
