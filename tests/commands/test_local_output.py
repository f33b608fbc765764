"""What the command line and the reports print for people: the lab's clock (LIMS_TIMEZONE), LIMS_LANGUAGE."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest

from lims.commands.common import local_date, local_datetime
from lims.domain.traceability import TraceabilityChain
from lims.localtime import lab_zone
from lims.reports.traceability_pdf import render_chain_pdf


def test_terminal_output_in_the_labs_zone_and_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIMS_TIMEZONE", raising=False)
    monkeypatch.setenv("LIMS_LANGUAGE", "vi")
    # the JSON summaries' ISO text, UTC: 22:30 UTC on 30 June is 05:30 on 1 July in Hà Nội
    assert local_datetime("2026-06-30T22:30:00+00:00") == "01/07/2026 05:30"
    assert local_date("2026-06-30T22:30:00") == "01/07/2026"
    assert local_date("2026-06-30") == "30/06/2026"
    assert local_datetime(None) == "—"
    monkeypatch.setenv("LIMS_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    assert local_datetime(datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == "1 Jul 2026, 00:30"  # CEST
    assert local_date(date(2026, 6, 30)) == "30 Jun 2026"


def test_traceability_report_states_the_local_time_and_its_offset() -> None:
    chain = TraceabilityChain("CDL-KL-001", "standard", date(2026, 6, 30), ())
    pdf = render_chain_pdf(
        chain, lab_name="Trung tâm", generated_at=datetime(2026, 6, 30, 22, 30, tzinfo=UTC), zone=lab_zone()
    )
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "30/06/2026" in text and "01/07/2026 05:30 (UTC+07:00)" in text
    assert "2026-06-30" not in text
