"""A bytecode cache for the modules Ansible runs from AnsiballZ archives, for the project's own test runs.

Ansible runs every module from a zip archive, and zipimport neither reads nor writes ``__pycache__``: each module
process compiles ``ansible.module_utils`` and the collections' module_utils from source again, about a sixth of
the CPU an amazon.aws module costs here. The test suite starts thousands of modules.

Each of those processes also parses botocore's service models anew, JSON of megabytes (EC2's is 4 MB, gzipped):
another sixth of a module start. The parsed data is kept too, pickled, and given back as botocore's loader
returns it (the same ``OrderedDict`` tree), keyed by the file's content.

``python hacking/bytecode_cache.py --install`` (``make venv`` runs it) copies this file into the venv's
site-packages with a ``.pth`` line that imports it only where ``MULTIREGION_BYTECODE_CACHE`` names a directory;
the Makefile sets that variable. Without it, Python is untouched. The code given back is the one ``compile``
returned for the same source: it is kept by the file's path inside the archive, the source's hash and the
interpreter's bytecode version, and takes the path of the archive it is loaded from, as a ``.pyc`` does.
"""

import hashlib
import marshal
import os
import shutil
import sys
import sysconfig
import zipimport
from importlib.util import MAGIC_NUMBER

try:
    from _imp import _fix_co_filename
except ImportError:  # not CPython: file names are left as compiled
    _fix_co_filename = None

VARIABLE = "MULTIREGION_BYTECODE_CACHE"
MODULE = "multiregion_bytecode_cache"  # its name in site-packages
PTH_LINE = f'import os; os.environ.get("{VARIABLE}") and __import__("{MODULE}")\n'


def cache_path(directory, pathname, source):
    """The cache file of ``source``, compiled as ``pathname`` (its path inside any archive)."""
    inner = pathname.rsplit(".zip" + os.sep, 1)[-1]
    digest = hashlib.sha256(MAGIC_NUMBER + inner.encode("utf-8", "surrogateescape") + b"\0" + source)
    return os.path.join(directory, digest.hexdigest())


def caching(compile_source, directory):
    """zipimport's ``_compile_source``, reading and filling the cache in ``directory``."""

    def compile_cached(pathname, source):
        path = cache_path(directory, pathname, source)
        try:
            with open(path, "rb") as cached:
                code = marshal.load(cached)
        except (OSError, EOFError, ValueError, TypeError):
            code = compile_source(pathname, source)
            _store(path, marshal.dumps(code))
            return code
        if _fix_co_filename is not None:
            _fix_co_filename(code, pathname)
        return code

    return compile_cached


def loading(load_file, directory):
    """botocore's ``JSONFileLoader._load_file``, reading and filling the cache in ``directory``."""

    def load_file_cached(self, full_path, open_method):
        import pickle  # here, not at start-up: only processes that load botocore need it

        try:
            with open(full_path, "rb") as stored:
                content = stored.read()
        except OSError:
            return load_file(self, full_path, open_method)  # missing: botocore's answer (None)
        # The content as stored (gzipped or not) and how it is opened decide what it parses to.
        suffix = os.path.splitext(full_path)[1].encode()
        digest = hashlib.sha256(b"botocore\0" + suffix + b"\0" + content)
        path = os.path.join(directory, "botocore-" + digest.hexdigest())
        try:
            with open(path, "rb") as cached:
                return pickle.load(cached)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            data = load_file(self, full_path, open_method)
            if data is not None:
                _store(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            return data

    return load_file_cached


class BotocoreHook:
    """Puts ``loading`` in place the moment ``botocore.loaders`` is imported (importing botocore here would cost
    every Python process of the venv its import time). A meta path finder needs only ``find_spec``: subclassing
    importlib.abc.MetaPathFinder would import importlib.abc (40 ms, importlib.resources and typing) at every
    interpreter start."""

    def __init__(self, directory):
        self.directory = directory

    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.loaders":
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(fullname, path, target)
                if spec is not None and spec.loader is not None:
                    break
        else:
            return None
        exec_module = spec.loader.exec_module
        directory = self.directory

        def exec_and_patch(module):
            exec_module(module)
            module.JSONFileLoader._load_file = loading(module.JSONFileLoader._load_file, directory)

        spec.loader.exec_module = exec_and_patch
        return spec


def _store(path, data):
    """Write ``data`` atomically: concurrent module processes read a whole file or none."""
    temporary = f"{path}.{os.getpid()}"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs the work again


def install(site_packages):
    """Copy this file into ``site_packages`` with the ``.pth`` line that loads it."""
    shutil.copyfile(__file__, os.path.join(site_packages, f"{MODULE}.py"))
    with open(os.path.join(site_packages, f"{MODULE}.pth"), "w", encoding="utf-8") as pth:
        pth.write(PTH_LINE)


if __name__ == "__main__":
    if sys.argv[1:] != ["--install"]:
        sys.exit(f"usage: {sys.argv[0]} --install")
    install(sysconfig.get_paths()["purelib"])
elif __name__ == MODULE and os.environ.get(VARIABLE):
    if hasattr(zipimport, "_compile_source"):
        zipimport._compile_source = caching(zipimport._compile_source, os.environ[VARIABLE])
    sys.meta_path.insert(0, BotocoreHook(os.environ[VARIABLE]))
