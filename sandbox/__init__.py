"""A local AWS emulator for multiregion.client_vpn: moto plus what moto lacks.

Run it with ``python -m sandbox``; see ``sandbox/README.md``.
"""
