"""The bench agent's HTTP client for the lab's JSON API (contract: docs/bench-agent.md), stdlib urllib.

``POST {server}/api/v1/jobs/{job_number}/points/{point_id}/readings`` with ``Authorization: Bearer <token>``
and ``{"readings": [...]}``; the reply ``{"accepted": [...], "duplicates": [...], "rejected": [...]}`` lists
idempotency keys.  Accepted and duplicate keys are both confirmations.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from instruments.agent.journal import JournalEntry
from instruments.agent.sink import Delivery, SinkRefused, SinkUnavailable


def readings_url(server: str, job_number: str, point_id: str) -> str:
    """The endpoint for one test point; path segments are percent-encoded.

    >>> readings_url("https://lims.example/", "J-2026/001", "P 1")
    'https://lims.example/api/v1/jobs/J-2026%2F001/points/P%201/readings'
    """
    quote = urllib.parse.quote
    return (f"{server.rstrip('/')}/api/v1/jobs/{quote(job_number, safe='')}/points/"
            f"{quote(point_id, safe='')}/readings")


class HttpSink:
    """Posts readings to the lab server with a bench token."""

    def __init__(self, server: str, token: str, *, timeout_s: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(server)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"server must be an http(s) URL, got {server!r}")
        if not token or any(c.isspace() for c in token):
            raise ValueError("token must be a non-empty string without whitespace")
        self.server, self.token, self.timeout_s = server, token, timeout_s

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        """POST one batch; classify every failure as retryable or not."""
        body = json.dumps({"readings": [e.to_wire() for e in entries]}).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            readings_url(self.server, job_number, point_id), data=body, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                reply = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = _detail(exc)
            if exc.code >= 500 or exc.code in (408, 429):
                raise SinkUnavailable(f"server error HTTP {exc.code}: {detail}") from exc
            raise SinkRefused(exc.code, detail) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise SinkUnavailable(f"server unreachable: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise SinkUnavailable(f"server reply is not JSON: {exc}") from exc
        return _delivery(reply, {e.key for e in entries})


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read().decode("utf-8"))
        error = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(error, dict) and "message" in error:  # the lab API's error object
            return str(error["message"])
        return str(error)
    except (ValueError, OSError):
        return str(exc.reason)


def _delivery(reply: Any, sent: set[str]) -> Delivery:
    if not isinstance(reply, dict):
        raise SinkUnavailable("server reply is not a JSON object")
    confirmed = {str(k) for k in reply.get("accepted", [])} | {str(k) for k in reply.get("duplicates", [])}
    rejected = {str(item.get("idempotency_key")): str(item.get("error", "rejected"))
                for item in reply.get("rejected", []) if isinstance(item, dict)}
    # Only keys we sent can be confirmed: a confused server must not mark other readings as delivered.
    return Delivery(frozenset(confirmed & sent), {k: v for k, v in rejected.items() if k in sent})
