"""Running ``textcnn serve``: the listening socket, and uvicorn serving the app on it."""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path

from ..config import ServeLimits
from ..errors import UserError
from ..runs.loaded import Run


def serve(
    run_dir: str | Path, *, host: str, port: int, limits: ServeLimits, device: str = "auto", backend: str = "torch"
) -> None:
    """Load the run once and serve it until interrupted; the ``serving`` line is printed once the port is ours."""
    import uvicorn

    from .app import create_app  # here, not at the top: app re-exports serve for textcnn.cli

    sock = listen(host, port)
    try:
        run = Run.load(run_dir, device=device, backend=backend)
        run.inference_model()  # a missing export is an error now, not at the first request
        print(json.dumps({"serving": str(run.path), "url": f"http://{host}:{port}/"}), flush=True)
        config = uvicorn.Config(create_app(run, limits), host=host, port=port, log_level="warning")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; a taken port or a bad host is a one-line UserError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except socket.gaierror as error:
        raise UserError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UserError(
                f"--port {port}: address already in use on {host} (another server is running there; "
                "stop it or pick another --port)"
            ) from None
        raise UserError(f"--host {host} --port {port}: cannot listen there ({error.strerror or error})") from None
