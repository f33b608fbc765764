"""Rooms of the lab: the list, the admin form (limits, logger station, period) and each room's chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

from lims.domain.room_chart_svg import RoomChartWording, RoomSample, render_room_svg
from lims.errors import LimsError, NotFound
from lims.localtime import format_lab_time, to_lab_time
from lims.models import Role, Room
from lims.services.bench import rooms
from lims.services.bench import stations as bench_stations
from lims.web.access import LAB_STAFF, allow
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.templating import format_number, trusted_svg

bp = Blueprint("rooms", __name__, url_prefix="/rooms")
READERS = (*LAB_STAFF, Role.AUDITOR)


def _room_or_404(room_id: int) -> Room:
    try:
        return rooms.get_room(db_session(), room_id)
    except NotFound:
        abort(404)


@bp.get("/")
@allow(READERS)
def index() -> ResponseReturnValue:
    db = db_session()
    listed = rooms.rooms(db, active_only=False)
    last = {room.id: rooms.last_sample(db, room.id) for room in listed}
    return render_template("rooms/index.html", rooms=listed, last=last)


def _input() -> rooms.RoomInput:
    form = request.form
    station = form.get("station_id", "")
    period = form.get("log_period_s", "").strip()
    return rooms.RoomInput(
        code=form.get("code", "")[:40], name=form.get("name", "")[:200],
        temperature_min=form.get("temperature_min", "")[:30], temperature_max=form.get("temperature_max", "")[:30],
        humidity_min=form.get("humidity_min", "")[:30], humidity_max=form.get("humidity_max", "")[:30],
        station_id=int(station) if station.isdigit() else None,
        log_period_s=int(period) if period.isdigit() and len(period) < 7 else 0,
    )


def _form(room: Room | None) -> ResponseReturnValue:
    db = db_session()
    error = None
    if request.method == "POST":
        try:
            saved = rooms.save_room(db, _input(), room_id=None if room is None else room.id)
        except LimsError as exc:
            db.rollback()
            error = error_text(exc)
        else:
            db.commit()
            flash(_("Room %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("rooms.show", room_id=saved.id))
    return render_template("rooms/form.html", room=room, error=error, submitted=request.form if error else None,
                           stations=bench_stations.stations(db))


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new() -> ResponseReturnValue:
    return _form(None)


@bp.route("/<int:room_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit(room_id: int) -> ResponseReturnValue:
    return _form(_room_or_404(room_id))


def _number(value: float) -> str:
    return format_number(value, str(get_locale() or "vi"))


def _limit(value: Any) -> float | None:
    return None if value is None else float(value)


@bp.get("/<int:room_id>")
@allow(READERS)
def show(room_id: int) -> ResponseReturnValue:
    """The room's chart for one lab-local day (``?day=YYYY-MM-DD``, default today)."""
    room = _room_or_404(room_id)
    zone = get_timezone()
    today = to_lab_time(datetime.now(UTC), zone).date()
    try:
        day = date.fromisoformat(request.args.get("day", "")[:10]) if request.args.get("day") else today
    except ValueError:
        day = today
    start_local = datetime.combine(day, time(0), tzinfo=zone)
    start, end = start_local.astimezone(UTC), (start_local + timedelta(days=1)).astimezone(UTC)
    rows = rooms.series(db_session(), room.id, start, end)
    locale = str(get_locale() or "vi")
    samples: dict[str, list[RoomSample]] = {"temperature": [], "humidity": []}
    for row in rows:
        if row.quantity in samples:
            label = format_lab_time(row.measured_at, locale=locale, zone=zone)
            samples[row.quantity].append(
                RoomSample((row.measured_at - start).total_seconds(), float(row.value), label)
            )
    wording = RoomChartWording(
        title=_("Conditions in room %(code)s", code=room.code),
        temperature=_("Temperature") + " (°C)",
        humidity=_("Relative humidity") + " (%rh)",
        no_samples=_("No conditions logged on this day"),
        summary=_("%(samples)s samples; %(outside)s outside the limits", samples="{samples}", outside="{outside}"),
        limits=_("limits %(low)s to %(high)s", low="{low}", high="{high}"),
        no_limit=_("no limit"),
        number=_number,
    )
    ticks = [(h * 3600.0, f"{h:02d}:00") for h in range(0, 25, 3)]
    svg = render_room_svg(
        samples["temperature"], samples["humidity"],
        temperature_limits=(_limit(room.temperature_min), _limit(room.temperature_max)),
        humidity_limits=(_limit(room.humidity_min), _limit(room.humidity_max)),
        span_s=24 * 3600.0, time_ticks=ticks, gap_s=3 * room.log_period_s, wording=wording,
    )
    return render_template("rooms/show.html", room=room, chart=trusted_svg(svg), day=day,
                           previous=day - timedelta(days=1), following=day + timedelta(days=1), today=today,
                           count=len(rows))
