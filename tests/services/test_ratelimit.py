"""Database-backed rate limiting: fixed windows, shared by every worker, exact under concurrency."""

from __future__ import annotations

import doctest
import threading
import uuid

import pytest
from sqlalchemy import Engine, create_mock_engine, select
from sqlalchemy.orm import Session

from lims.errors import ConfigurationError
from lims.models import RateLimitCounter
from lims.services.common import ratelimit
from lims.services.common.ratelimit import InvalidRateLimit, RateLimitUnsupported, hit, prune
from lims.web.status import status_for

T0 = 1_800_000_000.0  # a window boundary for 60 s windows


def test_doctests() -> None:
    result = doctest.testmod(ratelimit)
    assert result.attempted >= 3 and result.failed == 0


def test_allows_up_to_the_limit_then_refuses_until_the_window_ends(session: Session) -> None:
    key = f"verify:{uuid.uuid4().hex}"
    results = [hit(session, key, limit=3, window_s=60, now_s=T0 + i) for i in range(5)]
    assert [r.allowed for r in results] == [True, True, True, False, False]
    assert [r.hits for r in results] == [1, 2, 3, 4, 5]
    assert results[2].remaining == 0 and results[0].remaining == 2
    assert results[3].retry_after_s == 57 and results[4].retry_after_s == 56
    after = hit(session, key, limit=3, window_s=60, now_s=T0 + 60)
    assert after.allowed and after.hits == 1


def test_retry_after_is_at_least_one_second(session: Session) -> None:
    key = f"verify:{uuid.uuid4().hex}"
    hit(session, key, limit=1, window_s=60, now_s=T0)
    assert hit(session, key, limit=1, window_s=60, now_s=T0 + 59.9).retry_after_s == 1


def test_keys_are_counted_separately_and_long_keys_fit(session: Session) -> None:
    a, b = f"api:{uuid.uuid4().hex}", "api:" + "é" * 400 + uuid.uuid4().hex
    assert hit(session, a, limit=1, window_s=60, now_s=T0).allowed
    assert hit(session, b, limit=1, window_s=60, now_s=T0).allowed
    assert not hit(session, a, limit=1, window_s=60, now_s=T0).allowed
    assert not hit(session, b, limit=1, window_s=60, now_s=T0).allowed


def test_a_lagging_clock_counts_towards_the_current_window(session: Session) -> None:
    key = f"verify:{uuid.uuid4().hex}"
    hit(session, key, limit=2, window_s=60, now_s=T0 + 61)  # window T0+60
    late = hit(session, key, limit=2, window_s=60, now_s=T0 + 59)  # another worker, clock behind
    assert late.hits == 2
    row = session.get(RateLimitCounter, key)
    assert row is not None and row.window_start_epoch_s == T0 + 60


def test_bad_limits_are_refused(session: Session) -> None:
    with pytest.raises(InvalidRateLimit, match="0 per 60"):
        hit(session, "k", limit=0, window_s=60)
    with pytest.raises(InvalidRateLimit):
        hit(session, "k", limit=5, window_s=0)


def test_prune_removes_idle_counters(session: Session) -> None:
    old, fresh = f"old:{uuid.uuid4().hex}", f"fresh:{uuid.uuid4().hex}"
    hit(session, old, limit=5, window_s=60, now_s=T0)
    hit(session, fresh, limit=5, window_s=60, now_s=T0 + 86_400)
    assert prune(session, older_than_s=3600, now_s=T0 + 86_400) >= 1
    keys = set(session.scalars(select(RateLimitCounter.key)))
    assert old not in keys and fresh in keys


def test_concurrent_workers_never_allow_more_than_the_limit(engine: Engine) -> None:
    """Eight workers, each with its own connection and committed transactions, hammer one key."""
    key = f"verify:{uuid.uuid4().hex}"
    limit, workers, per_worker = 25, 8, 12
    allowed: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            mine = 0
            for _ in range(per_worker):
                with Session(bind=engine) as session:
                    result = hit(session, key, limit=limit, window_s=3600, now_s=T0)
                    session.commit()
                mine += result.allowed
            with lock:
                allowed.append(mine)
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(allowed) == limit
    with Session(bind=engine) as session:
        row = session.get(RateLimitCounter, key)
        assert row is not None and row.hits == workers * per_worker
        session.delete(row)
        session.commit()


def unsupported_session() -> Session:
    """A session on a database the limiter cannot count in (MySQL): SQLAlchemy's mock engine, which
    compiles for the dialect but never connects, since the refusal comes before any statement."""
    return Session(bind=create_mock_engine("mysql://", lambda *args, **kwargs: None))


def test_an_unsupported_database_is_a_clear_lims_error() -> None:
    with pytest.raises(RateLimitUnsupported) as raised:
        hit(unsupported_session(), "verify:203.0.113.7", limit=30, window_s=60)
    # a refusal of the deployment's configuration, not an unfinished marker a caller might skip over
    assert isinstance(raised.value, ConfigurationError) and not isinstance(raised.value, NotImplementedError)
    assert raised.value.params == {"dialect": "mysql"}
    assert "PostgreSQL or SQLite, not mysql" in str(raised.value)
    assert status_for(raised.value) == 503  # the pages and the API say so; never a 500
