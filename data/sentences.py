"""Sentence splitting: `split_written` for text as people write it, Punkt trained on the corpus for the corpus's form.

Written text (capitals, datelines, abbreviations such as "Sen." and "U.S.", quotes, paragraphs) goes to sentencex,
a maintained rule-based splitter (Wikimedia; compiled), after the text is cut into paragraphs: on the project's raw
test set that scored the best boundary F1 of the splitters measured (`seqae bench sentences`, docs/RESULTS.md).
pysbd came next, but its regular expressions grow faster than the text (in a trial here, 5 s for a 111 KB article
and 31 s for 60 KB of "a. "; sentencex took milliseconds for both). Lowercased, tokenized text such as the
training corpora's gives a written-text splitter no capitals to go by, so it keeps the corpus-trained Punkt below.

Punkt learns abbreviations ("u.s", "corp", "p.m"), collocations and frequent sentence starters from
raw text without labels, so it adapts to lowercased, pre-tokenized text such as CNN/DailyMail's
("... the plane . marseille prosecutor ..."), where capitalization gives no clue. The learned
parameters are saved as readable JSON so a run can be inspected and reproduced.
"""

import json
import re
from collections.abc import Iterable
from pathlib import Path

from sentencex import segment

from seqae.data.normalize import import_nltk
from seqae.data.errors import DataError
from seqae.data.io import atomic_write_text

import_nltk()  # nltk without the optional packages it would pull in (seconds of scipy, sklearn, pandas)
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktTrainer  # noqa: E402

PARAMETERS_FILE = "punkt.json"

BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of written text, each on one line. With blank lines in the text, they separate paragraphs and
    a single line break inside one is a wrapped line; without, every line is a paragraph unless the next line
    starts in lowercase (a sentence wrapped mid-way)."""
    if BLANK_LINE.search(text):
        blocks = BLANK_LINE.split(text)
    else:
        blocks = []
        for line in text.splitlines():
            stripped = line.strip()
            if blocks and stripped[:1].islower():
                blocks[-1] += " " + stripped
            else:
                blocks.append(stripped)
    return [joined for block in blocks if (joined := " ".join(block.split()))]


LONGEST_RUN = 1000  # characters without a space: no word is this long


def split_written(text: str) -> list[str]:
    """The sentences of text as people write it (cased, punctuated), paragraph by paragraph, by sentencex. sentencex
    takes time quadratic in a long run of some characters (0.23 s for 32 KB of backticks, 0.90 s for 64 KB), so it
    reads a paragraph in the blocks Punkt reads (`_blocks`), and a run of over LONGEST_RUN characters without a space
    in pieces of that length."""
    return [sentence for paragraph in paragraphs(text) for block in _blocks(paragraph) for run in _short_runs(block)
            for piece in _rejoin_states(list(segment("en", run))) if (sentence := piece.strip())]


# sentencex splits AP's party-and-state designations inside the state ("Sen. Ann Roe, D-N." | "M., said ...";
# "D-W." | "Va., said"): a piece that starts with one or two letters and a period before a comma, semicolon, colon or
# bracket cannot start a sentence, nor can a piece of that form ("M.", "Va.") right after one ending in "-X.".
SPLIT_INSIDE_STATE = re.compile(r"-[A-Z]\.$")
STATE_REST = re.compile(r"[A-Z][a-z]?\.(?=[\s,;:)\]]|$)")
ABBREVIATION_BEFORE_COMMA = re.compile(r"[A-Z][a-z]?\.[,;:)\]]")


def _rejoin_states(pieces: list[str]) -> list[str]:
    """sentencex's `pieces` of one run (which concatenate to it) with each piece that continues a state designation
    joined to the piece before it (SPLIT_INSIDE_STATE, looked for in the last three characters only: a piece grows as
    pieces join it, and the test stays constant-time)."""
    joined = []
    for piece in pieces:
        if joined and (ABBREVIATION_BEFORE_COMMA.match(piece)
                       or (SPLIT_INSIDE_STATE.search(joined[-1][-3:]) and STATE_REST.match(piece))):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined


def _short_runs(block: str) -> list[str]:
    """`block` with every run of over LONGEST_RUN characters without a space cut into pieces of its own."""
    words = block.split(" ")
    if all(len(word) <= LONGEST_RUN for word in words):
        return [block]
    runs, current = [], []
    for word in words:
        if len(word) <= LONGEST_RUN:
            current.append(word)
            continue
        if current:
            runs.append(" ".join(current))
            current = []
        runs += [word[start:start + LONGEST_RUN] for start in range(0, len(word), LONGEST_RUN)]
    if current:
        runs.append(" ".join(current))
    return runs


def is_written(text: str) -> bool:
    """Whether `text` is written with capitals (else it is in the corpora's lowercased form, for Punkt). Gigaword's
    test files mark rare words `UNK` in lowercased text."""
    return any(character.isupper() for character in text.replace("UNK", ""))


class SentenceSplitter:
    """Splits a text into sentences with Punkt parameters learned by `train` or read by `load`."""

    def __init__(self, parameters: PunktParameters, trained_chars: int = 0):
        self.parameters = parameters
        self.trained_chars = trained_chars
        self.tokenizer = PunktSentenceTokenizer(parameters)

    @classmethod
    def train(cls, texts: Iterable[str], max_chars: int = 5_000_000) -> "SentenceSplitter":
        """Learn Punkt parameters from `texts`, stopping after about `max_chars` characters.

        Punkt is pure Python (a few hundred KB per second); a few MB of news are enough to learn the
        common abbreviations, so the cap keeps training to seconds on large corpora.
        """
        trainer = PunktTrainer()
        trained_chars = 0
        for text in texts:
            if trained_chars >= max_chars:
                break
            # finalize=False accumulates counts over many calls; statistics are computed once below.
            trainer.train(text, finalize=False)
            trained_chars += len(text)
        trainer.finalize_training()
        return cls(trainer.get_params(), trained_chars)

    def split(self, text: str) -> list[str]:
        """The sentences of `text`. A long text goes to Punkt in blocks of about BLOCK_WORDS words, each ending
        at a word that ends with . ! or ? (or cut at twice that where none does): Punkt's regular expressions run
        under nltk's wall-clock guard, which a megabyte-long document would exceed."""
        return [sentence.strip() for block in _blocks(text) for sentence in self.tokenizer.tokenize(block)
                if sentence.strip()]

    def save(self, directory) -> Path:
        """Write the parameters to `directory/punkt.json` (creating the directory) and return that path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        parameters = self.parameters
        record = {
            "trained_chars": self.trained_chars,
            "abbrev_types": sorted(parameters.abbrev_types),
            "collocations": sorted(list(pair) for pair in parameters.collocations),
            "sent_starters": sorted(parameters.sent_starters),
            "ortho_context": dict(sorted(parameters.ortho_context.items())),
        }
        path = directory / PARAMETERS_FILE
        atomic_write_text(path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, directory) -> "SentenceSplitter":
        path = Path(directory) / PARAMETERS_FILE
        if not path.is_file():
            raise DataError(path, "does not exist (no trained sentence splitter saved here)")
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DataError(path, f"not a readable Punkt parameter file ({error})") from None
        return cls(parameters_from_record(record, path), record.get("trained_chars", 0))


def parameters_from_record(record, path: Path) -> PunktParameters:
    """Rebuild PunktParameters from saved JSON, checking every field so a corrupt file fails here."""

    def strings(values) -> bool:
        return isinstance(values, list) and all(isinstance(value, str) for value in values)

    if not isinstance(record, dict):
        raise DataError(path, "not a Punkt parameter file (expected a JSON object)")
    missing = [key for key in ("abbrev_types", "collocations", "sent_starters", "ortho_context") if key not in record]
    if missing:
        raise DataError(path, f"not a Punkt parameter file (missing {', '.join(missing)})")
    collocations = record["collocations"]
    ortho_context = record["ortho_context"]
    if not (
        strings(record["abbrev_types"])
        and strings(record["sent_starters"])
        and isinstance(collocations, list)
        and all(strings(pair) and len(pair) == 2 for pair in collocations)
        and isinstance(ortho_context, dict)
        and all(isinstance(flags, int) for flags in ortho_context.values())
    ):
        raise DataError(path, "not a Punkt parameter file (a field has the wrong type)")
    parameters = PunktParameters()
    parameters.abbrev_types = set(record["abbrev_types"])
    parameters.collocations = {tuple(pair) for pair in collocations}
    parameters.sent_starters = set(record["sent_starters"])
    for word, flags in ortho_context.items():
        parameters.add_ortho_context(word, flags)
    return parameters


BLOCK_WORDS = 2000


def _blocks(text: str) -> list[str]:
    words = text.split()
    if len(words) <= BLOCK_WORDS:
        return [text]
    blocks, start = [], 0
    for index, word in enumerate(words):
        size = index + 1 - start
        if (size >= BLOCK_WORDS and word[-1] in ".!?") or size >= 2 * BLOCK_WORDS:
            blocks.append(" ".join(words[start:index + 1]))
            start = index + 1
    if start < len(words):
        blocks.append(" ".join(words[start:]))
    return blocks
