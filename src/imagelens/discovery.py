"""Find the images a command was pointed at: files, directories, hidden and foreign entries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imagelens.errors import ImageLensError
from imagelens.intake.sniff import sniff_format


@dataclass
class Discovery:
    """Files to analyse, in order, and what was left out."""

    files: list[Path] = field(default_factory=list)
    skipped_unsupported: int = 0
    skipped_hidden: int = 0
    missing: list[Path] = field(default_factory=list)


def is_image(path: Path) -> bool:
    """Whether the first bytes of ``path`` announce a supported type (an image or a PDF)."""
    try:
        with path.open("rb") as fh:
            sniff_format(fh.read(1024))
    except (OSError, ImageLensError):
        return False
    return True


def discover(
    paths: Iterable[Path], *, recursive: bool = False, include_hidden: bool = False
) -> Discovery:
    """Expand ``paths``. A named file is always kept (so a bad one gets an error record);
    files found inside directories are kept only when their bytes say they are images."""
    found = Discovery()
    paths = list(paths)
    # Named files first: they are kept even when a named directory also holds them.
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            continue
        if not path.exists():
            found.missing.append(path)
        elif path.resolve() not in seen:
            seen.add(path.resolve())
            found.files.append(path)
    for path in (p for p in paths if p.is_dir()):
        for child in _walk(path, recursive, include_hidden, found):
            if child.resolve() in seen:
                continue
            seen.add(child.resolve())
            if is_image(child):
                found.files.append(child)
            else:
                found.skipped_unsupported += 1
    return found


def _walk(root: Path, recursive: bool, include_hidden: bool, found: Discovery) -> Iterator[Path]:
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") and not include_hidden:
            found.skipped_hidden += 1
            continue
        if child.is_dir():
            if recursive:
                yield from _walk(child, recursive, include_hidden, found)
        elif child.is_file():
            yield child
