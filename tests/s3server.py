"""An S3-compatible endpoint on loopback (moto's standalone server) for storage and backup tests."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lims.config import Settings
from lims.services.common import storage


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server")
    port = _free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str, tmp_path: Path) -> Settings:

    settings = Settings.from_env(
        {
            "LIMS_INSTANCE_PATH": str(tmp_path),
            "LIMS_STORAGE": "s3",
            "LIMS_S3_BUCKET": f"lims-{uuid.uuid4().hex[:12]}",
            "LIMS_S3_ENDPOINT_URL": s3_endpoint,
            "LIMS_S3_REGION": "us-east-1",
            "LIMS_S3_ACCESS_KEY_ID": "testing",
            "LIMS_S3_SECRET_ACCESS_KEY": "testing",
        }
    )
    storage.s3_client(settings).create_bucket(Bucket=settings.s3_bucket)
    return settings
