"""One results page shared by several benches: each bench owns a marked section of docs/RESULTS.md and one key of
docs/results.json, and rewrites only those, so `seqae bench gigaword`, `seqae bench cnndm` and
`seqae bench serve` can run in any order without erasing each other's numbers."""

import json
import re
from pathlib import Path

from seqae.data.io import atomic_write_text

PAGE = "RESULTS.md"
DATA = "results.json"
TITLE = "# seqae results"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def sections(text: str) -> dict[str, str]:
    """The marked sections of a page, by bench name, in page order."""
    found = re.finditer(r"<!-- bench:([\w-]+) -->\n(.*?)<!-- /bench:\1 -->\n?", text, flags=re.S)
    return {match.group(1): match.group(2) for match in found}


def write_section(docs: Path, name: str, markdown: str, data) -> None:
    """Replace bench `name`'s section of docs/RESULTS.md and its key in docs/results.json (atomically), keeping
    every other bench's section and key as they are."""
    docs = Path(docs)
    docs.mkdir(parents=True, exist_ok=True)
    page = docs / PAGE
    kept = sections(page.read_text()) if page.is_file() else {}
    kept[name] = markdown.rstrip("\n") + "\n"
    body = [TITLE, ""]
    for section, content in kept.items():
        start, end = _markers(section)
        body += [start, content.rstrip("\n"), end, ""]
    atomic_write_text(page, "\n".join(body))
    path = docs / DATA
    results = json.loads(path.read_text()) if path.is_file() else {}
    results[name] = data
    atomic_write_text(path, json.dumps(results, indent=1) + "\n")
