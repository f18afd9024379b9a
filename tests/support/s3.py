"""moto's S3 server over HTTP on loopback: the stand-in for MinIO (whose binary cannot be
installed from the registries this project reaches)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from support.loopback import free_port


@contextlib.contextmanager
def server() -> Iterator[str]:
    """Endpoint URL of a running moto S3 server, for the block (one per process)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    instance = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    instance.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.stop()
