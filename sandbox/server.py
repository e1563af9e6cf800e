"""HTTP server around :class:`sandbox.app.Sandbox`, in the foreground or a thread."""

import sys
import threading

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from .app import Sandbox


class _QuietHandler(MotoRequestHandler):
    """No per-request log lines: they would repeat paths and are noise in playbook output."""

    def log_request(self, *args, **kwargs):
        pass


def make(host, port, time_scale, without=(), modes=()):
    app = Sandbox(time_scale, without=without, modes=modes)
    return app, make_server(host, port, app, threaded=True, request_handler=_QuietHandler)


def serve(host, port, time_scale, without=(), modes=()):
    app, server = make(host, port, time_scale, without=without, modes=modes)
    effects = ", ".join(name for name, on in sorted(app.realism.switches.items()) if on) or "none"
    print(f"sandbox listening on http://{host}:{server.port} (time scale {time_scale}; on: {effects})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("sandbox stopped", file=sys.stderr)


class ThreadedSandbox:
    """The sandbox on a free loopback port in a daemon thread (tests, bench)."""

    def __init__(self, time_scale=0.0, port=0, without=(), modes=()):
        self.app, self.server = make("127.0.0.1", port, time_scale, without=without, modes=modes)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self._thread.join()
