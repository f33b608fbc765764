"""Real ``lims`` processes without paying for a new interpreter each time.

The command tests start about a hundred ``lims`` processes; each new interpreter spent about a second importing
the application before its command ran. A zygote, a plain interpreter that has imported the application
and every command module (and opened nothing: no database, no file, no thread), forks one child per command.
Each child is still a process of its own, with the environment, arguments, standard streams and exit status
the test gives it, exactly as ``subprocess.run([lims, ...])``; only the imports are already done. One zygote
per test process, started on first use and ended with it.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from tests.passwords import CLI_PRELUDE

_SERVER = (
    CLI_PRELUDE
    + r"""
import importlib, json, os, struct, sys
from lims.cli import LAZY_COMMANDS, main
for target in LAZY_COMMANDS.values():
    importlib.import_module(target.split(":")[0])
requests, answers = sys.stdin.buffer, sys.stdout.buffer

def receive():
    head = requests.read(4)
    if len(head) < 4:
        return None
    return json.loads(requests.read(struct.unpack(">I", head)[0]))

while (request := receive()) is not None:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY),
                                    (2, request["stderr"], os.O_WRONLY)):
                opened = os.open(path, flags)
                os.dup2(opened, fd)
                os.close(opened)
            sys.argv = ["lims", *request["args"]]
            try:
                main()
                code = 0
            except SystemExit as exc:
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    _, status = os.waitpid(pid, 0)
    answer = json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode()
    answers.write(struct.pack(">I", len(answer)) + answer)
    answers.flush()
"""
)

_zygote: subprocess.Popen[bytes] | None = None


def _started() -> subprocess.Popen[bytes]:
    global _zygote
    if _zygote is None or _zygote.poll() is not None:
        _zygote = subprocess.Popen(
            [sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ)
        )
        atexit.register(_stop, _zygote)
    return _zygote


def _stop(zygote: subprocess.Popen[bytes]) -> None:
    """End of the test process: the zygote ends at the end of its input."""
    for stream in (zygote.stdin, zygote.stdout):
        if stream is not None:
            stream.close()
    try:
        zygote.wait(timeout=10)
    except subprocess.TimeoutExpired:
        zygote.kill()
        zygote.wait()


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise RuntimeError("the lims zygote ended unexpectedly")
    return data


def run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``subprocess.run([lims, *args], capture_output=True, text=True, env=environ)``, forked from the zygote."""
    zygote = _started()
    assert zygote.stdin is not None and zygote.stdout is not None
    with tempfile.TemporaryDirectory(prefix="lims-cli-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        out.touch()
        err.touch()
        request = json.dumps(
            {"args": args, "env": environ, "cwd": os.getcwd(), "stdout": str(out), "stderr": str(err)}
        ).encode()
        zygote.stdin.write(struct.pack(">I", len(request)) + request)
        zygote.stdin.flush()
        size = struct.unpack(">I", _read(zygote.stdout, 4))[0]
        code = json.loads(_read(zygote.stdout, size))["code"]
        encoding = locale.getpreferredencoding(False)
        return subprocess.CompletedProcess(
            ["lims", *args], code, out.read_bytes().decode(encoding), err.read_bytes().decode(encoding)
        )
