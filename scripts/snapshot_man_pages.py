"""Snapshot 18 Debian man pages, rendered to plain text, into bench/corpora/man-pages/.

Why: the answer-quality benchmark needs corpora that nobody on this project wrote, so that its questions test the
RAG server on prose it was never tuned for. The package READMEs in bench/corpora/package-docs/ are Markdown written
for developers; man pages are a different register (terse reference prose, option lists, configuration keywords,
file paths) that sysadmins ask about every day. They are free documentation already installed on this Debian 12
machine, so the snapshot needs no network: the same installed packages always give the same files.

What: for each (page, section) in PAGES it checks the page exists (`man -w`), renders it with man-db and groff at
100 columns without hyphenation or justification (so that option names and words are never split across lines),
strips overstrike with `col -bx`, refuses any output still holding a control character (backspace, ANSI escape),
keeps at most the first 25,000 characters cut at a paragraph boundary, and writes <page>.txt. It writes
PROVENANCE.toml with each file's page, section, owning Debian package (`dpkg -S`), its version (`dpkg-query -W`),
its licence (the first License: field of /usr/share/doc/<package>/copyright, or a note from LICENCE_NOTES for the
packages whose copyright file is not machine-readable), sizes and checksum. A missing page, a package without a
licence, or a licence outside FREE stops the script. Text files in the folder that are not in PAGES are removed.

    .venv/bin/python scripts/snapshot_man_pages.py

The pages were picked among widely used tools for substantial prose. Asked for but not installed on this machine:
rsync(1), cron(8), crontab(1)/(5), logrotate(8), sudoers(5). Installed but left out: ls(1), whose page is a flat
list of one-line options with little prose.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from corpus_snapshot import Snapshot, cut, provenance, write

OUTPUT = Path(__file__).resolve().parents[1] / "bench" / "corpora" / "man-pages"
WIDTH = 100
SOURCE = "man page installed on Debian 12, rendered by man-db/groff at 100 columns and stripped by col -bx"
COMMENT = (
    "# Provenance of the man-pages corpus: man pages installed on Debian 12, rendered to plain text with",
    "# MANWIDTH=100 man --nh --nj -P cat | col -bx. Written by scripts/snapshot_man_pages.py; do not edit by hand.",
)

PAGES: tuple[tuple[str, str], ...] = (
    ("apt-get", "8"),
    ("buildah-build", "1"),
    ("chmod", "1"),
    ("curl", "1"),
    ("debootstrap", "8"),
    ("dpkg", "1"),
    ("find", "1"),
    ("git-commit", "1"),
    ("git-rebase", "1"),
    ("grep", "1"),
    ("haproxy", "1"),
    ("podman-run", "1"),
    ("sed", "1"),
    ("sources.list", "5"),
    ("ssh", "1"),
    ("ssh_config", "5"),
    ("systemd.service", "5"),
    ("tar", "1"),
)

# Licences (as the first License: field of a Debian copyright file spells them) accepted as free.
FREE = frozenset(
    {
        "Apache-2.0",
        "curl",
        "GFDL-NIV-1.3+",
        "GPL-2",
        "GPL-2+",
        "GPL-3+",
        "LGPL-2.1+",
        "MIT",
        "OpenSSH",
    }
)

# Packages whose copyright file has no License: field (not in the machine-readable format): the licence, read by hand.
LICENCE_NOTES: dict[str, str] = {
    "debootstrap": "MIT",
}

# Renders plain UTF-8 text with no SGR escapes and no translated page, whatever the caller's environment.
RENDER_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "MANWIDTH": str(WIDTH), "GROFF_NO_SGR": "1", "MANPAGER": "cat"}
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]")  # everything below space but the newline, and C1


@dataclass(frozen=True)
class ManPage(Snapshot):
    """A rendered man page, written as <page>.txt."""

    page: str
    section: str

    @property
    def filename(self) -> str:
        return f"{self.page}.txt"

    @property
    def url(self) -> str:
        return f"https://packages.debian.org/bookworm/{self.package}"

    def describe(self) -> str:
        name = f"{self.page}({self.section})"
        return f"{name:22} {self.package:15} {self.version:26} {self.license:14} {self.size}"

    def provenance_fields(self) -> dict[str, str]:
        return {"page": self.page, "section": self.section}


def run(*command: str, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, **RENDER_ENV}
    env.pop("MAN_KEEP_FORMATTING", None)
    done = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise ValueError(f"{' '.join(command)} failed ({done.returncode}): {message}")
    return done.stdout


def locate(page: str, section: str) -> Path:
    """The page's source file, as `man -w` finds it; a missing page stops the script with man's own message."""
    try:
        return Path(run("man", "-w", section, page).decode().strip().splitlines()[0])
    except ValueError as error:
        raise ValueError(f"no manual entry {page}({section}) on this machine: {error}") from error


def owner(path: Path) -> str:
    """The Debian package that installed `path` (dpkg -S prints 'package: path', or 'package:arch: path')."""
    line = run("dpkg", "-S", str(path)).decode().strip().splitlines()[0]
    return line.split(":", 1)[0].split(",", 1)[0].strip()


def version(package: str) -> str:
    return run("dpkg-query", "-W", "-f=${Version}", package).decode().strip()


def licence(package: str) -> tuple[str, str]:
    """The first License: field of the package's copyright file, or the hand-read note; and where it came from."""
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    text = copyright_file.read_text(encoding="utf-8", errors="replace") if copyright_file.is_file() else ""
    for line in text.splitlines():
        if line.startswith("License:") and line[len("License:") :].strip():
            return line[len("License:") :].strip(), f"first License: field of {copyright_file}"
    if package in LICENCE_NOTES:
        return LICENCE_NOTES[package], f"read by hand from {copyright_file} (not machine-readable)"
    return "", ""


def render(page: str, section: str) -> str:
    """The page as plain text: no hyphenation or justification, overstrike removed, trailing blanks stripped."""
    formatted = run("man", "--encoding=utf-8", "--nh", "--nj", "-P", "cat", section, page)
    plain = run("col", "-bx", stdin=formatted).decode("utf-8")
    if bad := sorted({f"U+{ord(char):04X}" for char in CONTROL.findall(plain)}):
        raise ValueError(f"{page}({section}): rendered text still holds control characters {', '.join(bad)}")
    lines = [line.rstrip() for line in plain.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def is_heading(block: str) -> bool:
    """A one-line block at the margin or indented by at most three columns: a section or subsection heading."""
    lines = block.strip("\n").split("\n")
    return len(lines) == 1 and len(lines[0]) - len(lines[0].lstrip()) <= 3


def snapshot(page: str, section: str) -> ManPage:
    source = locate(page, section)
    package = owner(source)
    licence_name, field = licence(package)
    if not licence_name:
        raise ValueError(f"{page}({section}): package {package} has no License: field and no note in LICENCE_NOTES")
    if licence_name not in FREE:
        raise ValueError(f"{page}({section}): package {package} licence {licence_name!r} is not in the free list")
    text = render(page, section)
    return ManPage(
        page=page,
        section=section,
        package=package,
        version=version(package),
        license=licence_name,
        license_field=field,
        text=cut(text, is_heading),
        original_chars=len(text),
    )


def main() -> int:
    snapshots: list[ManPage] = []
    errors: list[str] = []
    for page, section in PAGES:
        try:
            snapshots.append(snapshot(page, section))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            errors.append(f"{page}({section}): {error}")
    if errors:
        print("not snapshotted:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    write(OUTPUT, "*.txt", snapshots, provenance(COMMENT, snapshots, SOURCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
