"""``lims bench``: bench instruments from the command line (no Flask).

``drivers`` lists the stable driver names; ``read`` prints readings (JSON lines with ``--json``);
``simulate`` serves a simulated instrument on a pseudo-terminal; ``capture`` journals readings for a job's
test point and delivers them to the lab server (docs/bench-agent.md), or with ``--database`` straight into
the lab's database (``LIMS_DATABASE_URL``) on the authority of ``--user``; ``flush`` resends what the journal
still holds. ``station-add``/``stations`` configure bench stations and ``station`` runs a station's worker,
which takes the captures queued from the bench page; ``room-log`` logs a room's environment and ``sequence``
runs a job's points with an automated source. Bad input (unknown driver, missing or busy port,
settings the port rejects) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import click

from lims.commands.bench.readings import capture, drivers, flush, read, simulate
from lims.commands.bench.sequences import sequence
from lims.commands.bench.stations import room_log, station, station_add, stations_list


@click.group()
def bench() -> None:
    """Bench instruments: drivers, readings, simulators and capture to the lab server."""


for _command in (drivers, read, simulate, capture, flush, station_add, stations_list, station, room_log, sequence):
    bench.add_command(_command)
