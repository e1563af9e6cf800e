"""Benchmark of site.yml against the sandbox: ``python -m bench --branches N --time-scale S``.

See bench/README.md for the JSON it prints, how the critical path is derived and measured results.
"""
