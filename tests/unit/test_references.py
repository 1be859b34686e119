"""Every reference in the repository's text resolves inside the repository, so none can rot unseen.

Checked in every tracked text file (code, tests, docs, README, Makefile):

- no citation of a document the repository does not carry (the design notes, library notes and style guide it was
  built from, or anything under a shared folder beside it) and no absolute path on somebody's machine;
- every repository path (``ledger/core/elevator.py``, ``docs/FORMAT.md``, ``tests/vectors/``) exists — or lies
  under an output directory that .gitignore names (``benchmarks/results/``);
- every dotted module reference in backquotes (```ledger.tlog.checkpoint.open_checkpoint```) names a module that
  exists and, after it, a name that module defines;
- every ``X.md §N`` names a heading of that document, and every docs/DOMAIN.md citation (``§0``, ``(c) 8``,
  ``(e) M1``) a section, invariant or rule it has; every ``[S#]`` source tag is in docs/DOMAIN.md's source list.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve().relative_to(REPO).as_posix()
TEXT_SUFFIXES = {".py", ".md", ".toml", ".cfg", ".ini", ".txt", ".html", ".css", ".js", ".sh", ".yml", ".yaml"}
TEXT_NAMES = {"Makefile", "run"}
# Documents the project was designed from but does not carry; cite docs/ARCHITECTURE.md, docs/DOMAIN.md instead.
OUTSIDE = re.compile(
    r"\b(?:DESIGN|LIBRARIES|STYLE)\.md\b"  # the design notes, library measurements and style guide
    r"|\.\./(?:shared|seeds|reference)\b|(?<![\w.-])reference/"  # the shared folder beside the repository
    r"|(?<![\w.:/~-])/(?:work|home|Users|root)/"  # a machine's absolute path
)
MODULE_ROOTS = ("ledger", "projections", "producers", "api", "benchmarks", "tests")
DOTTED = re.compile(r"`~?((?:" + "|".join(MODULE_ROOTS) + r")(?:\.[A-Za-z_]\w*)+)`")
SECTION = re.compile(r"\b([A-Z][A-Z_]*\.md),?\s*§\s?((?:[0-9]+|[IVX]+)(?:\.[0-9]+)*)")
DOMAIN_CITE = re.compile(r"DOMAIN\.md,?\s*(?:§\s?(\d+)|\(([a-h])\)((?:,?\s*(?:\d{1,2}|[A-Z]\d)\b)*))")
SOURCE_TAG = re.compile(r"\[S(\d+)\]")


@dataclass(frozen=True)
class Citation:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


@cache
def tracked() -> tuple[str, ...]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"not a git checkout, so the tracked files are unknown: {exc}")
    return tuple(sorted(name for name in out.decode().split("\0") if name))


@cache
def known_paths() -> frozenset[str]:
    """Every tracked file and every directory that holds one."""
    paths: set[str] = set()
    for name in tracked():
        parts = name.split("/")
        paths.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(paths)


@cache
def ignored_output_dirs() -> tuple[str, ...]:
    """Directories .gitignore names (``benchmarks/results/``): what a run writes, cited before it exists."""
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().rstrip("/") for line in lines if line.strip().endswith("/"))


def text_files() -> list[str]:
    return [n for n in tracked() if Path(n).suffix in TEXT_SUFFIXES or Path(n).name in TEXT_NAMES]


def lines_of(name: str) -> list[str]:
    return (REPO / name).read_text(encoding="utf-8").splitlines()


def path_pattern() -> re.Pattern[str]:
    roots = sorted({name.split("/")[0] for name in tracked() if "/" in name and not name.startswith(".")})
    return re.compile(r"(?<![\w./~-])((?:" + "|".join(map(re.escape, roots)) + r")/[\w./-]*)")


def path_resolves(path: str) -> bool:
    path = path.rstrip("/.")
    if path in known_paths():
        return True
    return any(path == out or path.startswith(out + "/") for out in ignored_output_dirs())


@cache
def module_file(dotted: str) -> Path | None:
    base = REPO.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def defines(module: Path, name: str) -> bool:
    """Does the module define (or import) ``name`` at any level: a def, a class, an assignment, an import?"""
    definition = rf"^\s*(?:async\s+def|def|class)\s+{name}\b|^\s*{name}\s*[:=]|^\s*(?:from|import)\b.*\b{name}\b"
    return re.search(definition, module.read_text(encoding="utf-8"), re.M) is not None


def dotted_resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module = module_file(".".join(parts[:split]))
        if module is not None:
            return split == len(parts) or defines(module, parts[split])
    return False


@cache
def headings(doc: str) -> tuple[str, ...]:
    """The section numbers of a document's headings: ``1``, ``I.2``, ``II.2.3``."""
    found = []
    for line in lines_of(doc):
        match = re.match(r"#+\s+(?:§\s?)?((?:[0-9]+|[IVX]+)(?:\.[0-9]+)*)[.\s]", line)
        if match:
            found.append(match.group(1))
    return tuple(found)


@cache
def domain_sections() -> dict[str, str]:
    """docs/DOMAIN.md's sections by key: ``0``, ``a`` … ``h``, ``Sources``, each with its text."""
    sections: dict[str, str] = {}
    key = None
    for line in lines_of("docs/DOMAIN.md"):
        match = re.match(r"## (?:(\d+)\.|\(([a-h])\)|(Sources)\b)", line)
        if match:
            key = next(g for g in match.groups() if g)
            sections[key] = ""
        elif line.startswith("## "):
            key = None
        elif key is not None:
            sections[key] += line + "\n"
    return sections


def domain_citation_holds(match: re.Match[str]) -> bool:
    number, letter, items = match.groups()
    sections = domain_sections()
    if number is not None:
        return number in sections
    if letter not in sections:
        return False
    body = sections[letter]
    for item in re.findall(r"\d{1,2}|[A-Z]\d", items or ""):
        if item.isdigit():
            if not re.search(rf"^{item}\. ", body, re.M):
                return False
        elif not re.search(rf"^\| {item} \|", body, re.M):
            return False
    return True


def scan(pattern: re.Pattern[str], *, skip: frozenset[str] = frozenset()) -> list[tuple[Citation, re.Match[str]]]:
    hits: list[tuple[Citation, re.Match[str]]] = []
    for name in text_files():
        if name in skip:
            continue
        for number, line in enumerate(lines_of(name), 1):
            hits.extend((Citation(name, number, m.group(0)), m) for m in pattern.finditer(line))
    return hits


def test_nothing_cites_a_document_outside_the_repository() -> None:
    # This file names the forbidden documents in order to find them.
    bad = [str(c) for c, _ in scan(OUTSIDE, skip=frozenset({THIS_FILE}))]
    assert bad == [], "cite docs/ARCHITECTURE.md or docs/DOMAIN.md instead:\n" + "\n".join(bad)


def test_every_repository_path_exists() -> None:
    bad = [str(c) for c, m in scan(path_pattern()) if not path_resolves(m.group(1))]
    assert bad == [], "paths that are not in the repository:\n" + "\n".join(bad)


def test_every_dotted_module_reference_resolves() -> None:
    bad = [str(c) for c, m in scan(DOTTED) if not dotted_resolves(m.group(1))]
    assert bad == [], "module references that do not resolve:\n" + "\n".join(bad)


def test_every_section_reference_names_a_heading() -> None:
    docs = {Path(n).name: n for n in tracked() if n.startswith("docs/") and n.endswith(".md")}
    docs.setdefault("README.md", "README.md")
    bad = [str(c) for c, m in scan(SECTION) if m.group(1) not in docs or m.group(2) not in headings(docs[m.group(1)])]
    assert bad == [], "section references without such a heading:\n" + "\n".join(bad)


def test_every_domain_citation_lands_on_what_it_names() -> None:
    bad = [str(c) for c, m in scan(DOMAIN_CITE) if not domain_citation_holds(m)]
    assert bad == [], "docs/DOMAIN.md citations without such a section, invariant or rule:\n" + "\n".join(bad)


def test_every_source_tag_is_in_the_source_list() -> None:
    listed = set(re.findall(r"^- \*\*S(\d+)\*\*", domain_sections()["Sources"], re.M))
    bad = [str(c) for c, m in scan(SOURCE_TAG) if m.group(1) not in listed]
    assert bad == [], "source tags docs/DOMAIN.md does not list:\n" + "\n".join(bad)


@pytest.mark.parametrize(("text", "resolves"), [
    ("ledger/core/elevator.py", True), ("docs/DOMAIN.md", True), ("tests/vectors/", True),
    ("benchmarks/results/report.md", True), ("ledger/" + "passport.py", False), ("docs/" + "DESIGN.md", False),
])  # the missing ones are built by concatenation, or the scan of this very file would find them
def test_path_check_tells_present_from_missing(text: str, resolves: bool) -> None:
    assert path_resolves(text) is resolves


@pytest.mark.parametrize(("text", "resolves"), [
    ("ledger.tlog.checkpoint.open_checkpoint", True), ("projections.framework.events", True),
    ("ledger.write.service.LedgerService.append", True), ("ledger.passport", False),
    ("ledger.tlog.checkpoint.no_such_function", False),  # (not in backquotes, so the scan does not see them)
])
def test_module_check_tells_present_from_missing(text: str, resolves: bool) -> None:
    assert dotted_resolves(text) is resolves


@pytest.mark.parametrize(("text", "holds"), [
    ("docs/DOMAIN.md §0", True), ("docs/DOMAIN.md (c) 7", True), ("docs/DOMAIN.md (c) 2, 8, 10", True),
    ("docs/DOMAIN.md (e) M1", True), ("docs/DOMAIN.md (f)", True), ("docs/DOMAIN.md" + " (c) 16", False),
    ("docs/DOMAIN.md" + " (e) Z9", False), ("docs/DOMAIN.md" + " §9", False),
])
def test_domain_check_tells_present_from_missing(text: str, holds: bool) -> None:
    match = DOMAIN_CITE.search(text)
    assert match is not None
    assert domain_citation_holds(match) is holds


@pytest.mark.parametrize(("text", "caught"), [
    ("see DESIGN" + ".md §3", True), ("(LIBRARIES" + ".md §5)", True), ("../" + "shared/seeds", True),
    ("cd /" + "work/main &&", True), ("docs/ARCHITECTURE.md §8", False), ("https://example.org/work/x", False),
])
def test_outside_check_catches_what_it_should(text: str, caught: bool) -> None:
    assert (OUTSIDE.search(text) is not None) is caught
