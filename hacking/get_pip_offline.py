#!/usr/bin/env python3
# Copyright: multiregion.client_vpn contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for ansible-test's pip bootstrap script.

ansible-test bootstraps pip in the virtual environments it creates by
downloading ``get-pip-<version>.py`` from ci-files.testing.ansible.com, a host
this project's build machines cannot reach. It first looks in its cache,
``~/.ansible/test/cache/get_pip_<version with _>.py``; ``make sanity`` copies
this file there.

ansible-test runs it as ``python get_pip_X_Y.py [pip options] pip==X.Y
[--no-setuptools] [--no-wheel]``. We seed pip from the interpreter's bundled
wheel (``ensurepip``) and then let that pip install the requested packages
from the configured package index. ``--no-setuptools`` and ``--no-wheel`` are
get-pip options that pip itself does not know, so they are dropped.
"""

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)


if __name__ == "__main__":
    main()
