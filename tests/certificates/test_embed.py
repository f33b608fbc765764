"""The DCC travels inside the PDF as a PDF/A-3 style associated file (ISO 32000-2 14.13)."""

from __future__ import annotations

import io

import pikepdf
import pytest

from certificates.dcc import render_dcc
from certificates.embed import embed_dcc, extract_dcc
from certificates.errors import DccValidationError, PdfAttachmentError
from certificates.examples import example_calibration
from certificates.pdf import render_pdf
from tests.certificates.conftest import all_text


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    data = example_calibration(3)
    return render_pdf(data, invariant=True), render_dcc(data, software_release="test")


def test_round_trip(pair: tuple[bytes, bytes]) -> None:
    pdf, xml = pair
    combined = embed_dcc(pdf, xml)
    assert extract_dcc(combined) == xml
    assert all_text(combined) == all_text(pdf)  # the visible certificate is unchanged


def test_attachment_is_an_associated_alternative(pair: tuple[bytes, bytes]) -> None:
    pdf, xml = pair
    with pikepdf.open(io.BytesIO(embed_dcc(pdf, xml))) as doc:
        (spec,) = list(doc.Root.AF)
        assert spec.AFRelationship == pikepdf.Name.Alternative
        assert str(spec.UF) == "dcc.xml"
        assert spec.EF.F.Subtype == pikepdf.Name("/application/xml")
        assert "dcc.xml" in doc.attachments


def test_embedding_twice_replaces_the_attachment(pair: tuple[bytes, bytes]) -> None:
    pdf, xml = pair
    other = render_dcc(example_calibration(4), software_release="test")
    twice = embed_dcc(embed_dcc(pdf, xml), other)
    assert extract_dcc(twice) == other
    with pikepdf.open(io.BytesIO(twice)) as doc:
        assert len(doc.Root.AF) == 1
        assert list(doc.attachments) == ["dcc.xml"]


def test_output_is_deterministic(pair: tuple[bytes, bytes]) -> None:
    pdf, xml = pair
    assert embed_dcc(pdf, xml) == embed_dcc(pdf, xml)


def test_plain_pdf_has_no_dcc(pair: tuple[bytes, bytes]) -> None:
    assert extract_dcc(pair[0]) is None


def test_invalid_dcc_is_never_embedded(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(DccValidationError):
        embed_dcc(pair[0], b"<not-a-dcc/>")
    assert extract_dcc(embed_dcc(pair[0], b"<x/>", validate=False)) == b"<x/>"


@pytest.mark.parametrize("document", [b"", b"GIF89a", b"%PDF-1.4 truncated garbage", "text"])
def test_non_pdf_input_is_refused(document: object, pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(PdfAttachmentError) as caught:
        embed_dcc(document, pair[1])  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    with pytest.raises(PdfAttachmentError):
        extract_dcc(document)  # type: ignore[arg-type]


def test_bad_file_name_is_refused(pair: tuple[bytes, bytes]) -> None:
    with pytest.raises(PdfAttachmentError):
        embed_dcc(pair[0], pair[1], filename="../dcc.xml")


def test_attached_while_rendering_is_the_same_structure(pair: tuple[bytes, bytes]) -> None:
    data = example_calibration(3)
    xml = pair[1]
    pdf = render_pdf(data, invariant=True, dcc=xml)
    assert extract_dcc(pdf) == xml
    assert all_text(pdf) == all_text(pair[0])
    assert render_pdf(data, invariant=True, dcc=xml) == pdf
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        (spec,) = list(doc.Root.AF)
        assert spec.AFRelationship == pikepdf.Name.Alternative
        assert spec.EF.F.Subtype == pikepdf.Name("/application/xml")
        assert list(doc.attachments) == ["dcc.xml"]
        assert str(doc.Root.Lang) == "vi"


def test_issue_files_hashes_what_it_returns() -> None:
    import hashlib

    from certificates.bundle import issue_files

    files = issue_files(example_calibration(3), software_release="test", invariant=True)
    assert files.pdf_sha256 == hashlib.sha256(files.pdf).hexdigest()
    assert files.dcc_sha256 == hashlib.sha256(files.dcc).hexdigest()
    assert extract_dcc(files.pdf) == files.dcc
