"""Finding and registering a TrueType font that covers Vietnamese (DejaVu Sans) for reportlab."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lims.errors import ConfigurationError

SYSTEM_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


def _certificate_fonts() -> Path | None:
    try:
        folder = resources.files("certificates").joinpath("fonts")
    except ModuleNotFoundError:
        return None
    path = Path(str(folder))
    return path if path.is_dir() else None


def font_path(file_name: str, *, search: tuple[Path, ...] | None = None) -> Path:
    """The font file: the copy shipped with ``certificates/fonts/`` first, then the system's DejaVu."""
    folders = search if search is not None else tuple(p for p in (_certificate_fonts(), SYSTEM_DIR) if p)
    for folder in folders:
        candidate = folder / file_name
        if candidate.is_file():
            return candidate
    where = ", ".join(str(f) for f in folders) or "no folder"
    raise ConfigurationError(
        f"font {file_name} not found in {where}; install Debian's fonts-dejavu-core or ship it in certificates/fonts/"
    )


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans regular and bold once; return their reportlab names."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (REGULAR, BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path(f"{name}.ttf"))))
    return REGULAR, BOLD
