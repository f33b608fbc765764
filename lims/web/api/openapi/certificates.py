"""The OpenAPI document's certificates area: issued certificates, their files and traceability chains."""

from __future__ import annotations

from typing import Any

from lims.models import CertificateStatus, JobKind
from lims.web.api.openapi.common import (
    DATE,
    DATETIME,
    NUMBER,
    PREFIX,
    STRING,
    URL,
    _binary_download,
    _download,
    _enum,
    _json_ok,
    _list_operation,
    _nullable,
    _object,
    _operation,
    _page_schema,
    _path_param,
    _query,
    _ref,
)

CERTIFICATE_NUMBER = _path_param("number", NUMBER, "Certificate number (a `/` may be sent as is).")


def _stored_file() -> dict[str, Any]:
    return _object({"available": {"type": "boolean"}, "sha256": _nullable(STRING), "url": _nullable(URL)})


SCHEMAS: dict[str, Any] = {
    "StoredFile": _stored_file(),
    "Certificate": _object(
        {
            "number": STRING,
            "kind": _enum(JobKind),
            "status": _enum(CertificateStatus),
            "revision": {"type": "integer"},
            "replaces": _nullable(STRING),
            "issued_at": DATETIME,
            "job_number": STRING,
            "enterprise_id": {"type": "integer"},
            "instrument_id": {"type": "integer"},
            "amendment_reason": _nullable(STRING),
            "withdrawal_reason": _nullable(STRING),
            "pdf": _ref("StoredFile"),
            "dcc": _ref("StoredFile"),
            "dcc_signature": _ref("StoredFile"),  # the DCC's detached CMS signature (.p7s)
            "url": URL,
        }
    ),
    "CertificatePage": _page_schema("Certificate"),
    "TraceabilityChain": _object(
        {
            "subject": STRING,
            "subject_kind": STRING,
            "on": DATE,
            "links": {
                "type": "array",
                "items": _object(
                    {
                        "from": _nullable(STRING),
                        "to": STRING,
                        "used_on": DATE,
                        "certificate": _nullable(STRING),
                        "issuer": _nullable(STRING),
                        "issuer_kind": _nullable(STRING),
                        "calibrated_on": _nullable(DATE),
                        "valid_until": _nullable(DATE),
                        "has_file": _nullable({"type": "boolean"}),
                        "expanded_uncertainty": _nullable({"type": "number"}),
                        "unit": _nullable(STRING),
                        "terminal": {"type": "boolean"},
                        "parent": _nullable({"type": "integer"}),
                    }
                ),
            },
            "findings": {
                "type": "array",
                "items": _object(
                    {
                        "kind": STRING,
                        "severity": STRING,
                        "message": STRING,
                        "link": _nullable({"type": "integer"}),
                        "standard": _nullable(STRING),
                    }
                ),
            },
            "complete": {"type": "boolean"},
        }
    ),
}


def paths() -> dict[str, Any]:
    download = _download()
    return {
        f"{PREFIX}/certificates": {
            "get": _list_operation(
                "listCertificates",
                "Certificates, newest first.",
                "certificates",
                "Certificate",
                [_query("status", _enum(CertificateStatus), "Only this status.")],
            )
        },
        f"{PREFIX}/certificates/{{number}}": {
            "get": _operation(
                "getCertificate",
                "One certificate.",
                "certificates",
                _json_ok("Certificate", "The certificate."),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/pdf": {
            "get": _operation(
                "getCertificatePdf",
                "The issued PDF.",
                "certificates",
                _binary_download("application/pdf"),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/dcc": {
            "get": _operation(
                "getCertificateDcc",
                "The issued Digital Calibration Certificate (PTB DCC XML).",
                "certificates",
                {**download, "content": {"application/xml": {"schema": {"type": "string"}}}},
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/p7s": {
            "get": _operation(
                "getCertificateDccSignature",
                "The detached CMS signature (.p7s, RFC 5652) of the issued DCC.",
                "certificates",
                _binary_download("application/pkcs7-signature"),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
                description="Check it against the bytes of getCertificateDcc, e.g. "
                "`openssl cms -verify -binary -inform DER -in X.xml.p7s -content X.xml -CAfile root.pem`.",
            )
        },
        f"{PREFIX}/certificates/{{number}}/traceability": {
            "get": _operation(
                "getCertificateTraceability",
                "The metrological traceability chain of a certificate, as it stood on the measurement date.",
                "certificates",
                _json_ok("TraceabilityChain", "The chain, with findings (ILAC P10, ISO/IEC 17025 6.5)."),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
    }
