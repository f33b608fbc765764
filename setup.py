"""Build step: compile the message catalogues (``.po`` → ``.mo``) into every wheel and sdist install.

The metadata is in pyproject.toml; this file only adds the step, so that a plain ``pip install .`` (or a
wheel built from the sdist) serves the Vietnamese interface without ``make``. The compiled ``.mo`` files are
never committed (.gitignore); Babel is a build requirement (pyproject.toml ``[build-system]``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("lims") / "web" / "translations"


def compile_catalogues(source_root: Path, target_root: Path) -> list[Path]:
    """Compile each ``<lang>/LC_MESSAGES/*.po`` under ``source_root`` to ``.mo`` beside it under
    ``target_root``; a catalogue with an error stops the build (fuzzy entries are left out, as pybabel does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((source_root / CATALOGUES).glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        errors = [(m.id, e) for m, errs in catalogue.check() for e in errs]
        if errors:
            raise SystemExit(f"{po}: {errors[0][0]!r}: {errors[0][1]}")
        mo = target_root / po.relative_to(source_root).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        written.append(mo)
    return written


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also writes the compiled catalogues into the build tree (wheel and sdist builds)."""

    def run(self) -> None:
        super().run()
        compile_catalogues(Path("."), Path(self.build_lib))


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import compile_catalogues
    setup(cmdclass={"build_py": BuildPyWithCatalogues})
