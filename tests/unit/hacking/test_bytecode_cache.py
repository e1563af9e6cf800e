"""hacking/bytecode_cache.py: modules imported from a zip archive are compiled once per source, not per process."""

import gzip
import importlib
import json
import os
import subprocess
import sys
import zipfile
import zipimport
from collections import OrderedDict

from botocore.loaders import JSONFileLoader

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
        "import site, sys, zipimport; site.addsitedir(sys.argv[1]); import botocore.session; "
        "print(zipimport._compile_source.__name__, 'multiregion_bytecode_cache' in sys.modules, "
        "botocore.loaders.JSONFileLoader._load_file.__name__, "
        "len(botocore.session.get_session().get_service_model('ds').operation_names))"
    )
    env = {k: v for k, v in os.environ.items() if k != bytecode_cache.VARIABLE}
    off = subprocess.run([sys.executable, "-c", probe, str(site)], env=env, capture_output=True, text=True, check=True)
    operations = off.stdout.split()[-1]
    assert off.stdout.split() == ["_compile_source", "False", "_load_file", operations]
    env[bytecode_cache.VARIABLE] = str(tmp_path / "cache")
    for run in ("filling the cache", "reading it"):  # the same model both times
        on = subprocess.run(
            [sys.executable, "-c", probe, str(site)], env=env, capture_output=True, text=True, check=False
        )
        assert on.stdout.split() == ["compile_cached", "True", "load_file_cached", operations], (run, on.stderr)
    assert any(entry.name.startswith("botocore-") for entry in (tmp_path / "cache").iterdir())


MODEL = {"version": "2.0", "operations": {"B": {"name": "B"}, "A": {"name": "A", "http": {"method": "POST"}}}}


def counting_loader(parsed):
    def load_file(self, full_path, open_method):
        if not os.path.isfile(full_path):
            return None
        parsed.append(full_path)
        return JSONFileLoader._load_file(self, full_path, open_method)

    return load_file


def test_a_botocore_model_is_parsed_once_and_given_back_as_botocore_returns_it(tmp_path):
    model = tmp_path / "service-2.json.gz"
    model.write_bytes(gzip.compress(json.dumps(MODEL).encode()))
    parsed = []
    load = bytecode_cache.loading(counting_loader(parsed), str(tmp_path / "cache"))
    first = load(JSONFileLoader(), str(model), gzip.open)
    second = load(JSONFileLoader(), str(model), gzip.open)
    assert parsed == [str(model)], "parsed once"
    assert second == first == MODEL and second is not first
    # botocore's loader parses into OrderedDicts, in the file's order: so does the cache.
    assert isinstance(second, OrderedDict) and isinstance(second["operations"]["A"]["http"], OrderedDict)
    assert list(second["operations"]) == ["B", "A"]
    assert load(JSONFileLoader(), str(tmp_path / "missing.json"), open) is None


def test_a_changed_or_unreadable_model_is_parsed_again(tmp_path):
    model = tmp_path / "paginators-1.json"
    model.write_text(json.dumps(MODEL))
    parsed = []
    cache = tmp_path / "cache"
    load = bytecode_cache.loading(counting_loader(parsed), str(cache))
    load(JSONFileLoader(), str(model), open)
    model.write_text(json.dumps({**MODEL, "version": "2.1"}))
    assert load(JSONFileLoader(), str(model), open)["version"] == "2.1"
    for entry in cache.iterdir():
        entry.write_bytes(b"not a pickle")
    assert load(JSONFileLoader(), str(model), open)["version"] == "2.1"
    assert len(parsed) == 3
