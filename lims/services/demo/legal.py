"""Demonstration legal metrology records: the centre's designation, two officers' cards, a stamp batch.

Numbers are invented and marked as demo data; the shape follows what a Vietnamese verification body holds
(a designation decision of the Directorate for Standards, Metrology and Quality with its scope and expiry,
verification officer cards per instrument type, stamps received in numbered batches).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from lims.models import Lab, User
from lims.services.access import legal
from lims.services.certificates import stamps

AUTHORITY = "Tổng cục Tiêu chuẩn Đo lường Chất lượng (dữ liệu mẫu)"
SCOPE = ("can-ban", "can-dia", "can-dong-ho-lo-xo", "ap-ke-lo-xo")
# The demo scale: Max 15 kg (instrument record), e = d = 5 g, Min = 20 e = 100 g for class III
# (OIML R 76-1 table 3, from memory); n = Max/e = 3000 is computed when the certificate is built.
SCALE_CHARACTERISTICS = {"e": "0,005 kg", "min": "0,1 kg"}


def stamp_series(today: date) -> str:
    return f"HN-{today.year % 100:02d}"


FIRST_STAMP = 1201


def load_demo_legal(session: Session, lab: Lab, users: dict[str, User], today: date) -> None:
    admin = users["admin"]
    legal.record_designation(
        session,
        legal.DesignationInput(
            lab.id,
            "125/QĐ-TĐC (mẫu)",
            today - timedelta(days=400),
            AUTHORITY,
            SCOPE,
            today - timedelta(days=400) + timedelta(days=5 * 365),
        ),
        actor=admin,
    )
    for username, number, types in (
        ("ktv.lan", "KĐV-0312 (mẫu)", ("can-ban", "can-dia", "can-dong-ho-lo-xo")),
        ("ktv.minh", "KĐV-0458 (mẫu)", ("ap-ke-lo-xo",)),
        ("ky.thu", "KĐV-0107 (mẫu)", SCOPE),
    ):
        legal.add_card(
            session,
            legal.CardInput(
                users[username].id,
                number,
                AUTHORITY,
                types,
                today - timedelta(days=700),
                today - timedelta(days=700) + timedelta(days=5 * 365),
            ),
            actor=admin,
        )
    stamps.receive_batch(
        session,
        stamps.BatchInput(
            lab.id,
            stamp_series(today),
            FIRST_STAMP,
            FIRST_STAMP + 199,
            today - timedelta(days=90),
            "Biên bản giao nhận tem số 17/BB-TĐC (mẫu)",
        ),
        actor=admin,
    )
