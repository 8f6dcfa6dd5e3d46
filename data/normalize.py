"""Make raw text look like Gigaword training text: lowercase PTB tokens, `-lrb-`-style brackets, digits as `#`.

A model trained on Gigaword has only ever seen that form ("japan 's nec corp. said ##.# percent"), so
raw input at inference has to be brought to the same form before it is tokenized.
"""

import functools
import importlib
import re
import sys

# Typographic characters NLTK leaves alone; mapped to the ASCII forms that PTB tokenization knows.
TYPOGRAPHIC = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "—": " -- ", "–": "-", "\u00a0": " "})

# Abbreviations that Gigaword keeps with their period. NLTK only looks at the end of the whole text,
# so a sentence end inside the text stays glued to its word ("percent.") and a text-final abbreviation
# loses its period ("Corp" "."); these are repaired after tokenizing.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen col lt sgt capt cmdr adm gov sen st jr sr corp inc co ltd bros
    jan feb apr aug sept oct nov dec mt ft vs etc ave blvd dept univ calif fla""".split()
)
ACRONYM = re.compile(r"^(?:[a-z]\.)+[a-z]?\.?$", re.IGNORECASE)  # u.s. / a.m. / u.s

# Alphabetic stand-ins survive NLTK tokenization inside or as a word and are swapped back afterwards:
# NLTK would split "at&t" and "us$" (Gigaword keeps them whole), break the "<unk>" marker into
# "< unk >", read a closing '' after a space as an opening quote, and split "'90s".
AMPERSAND_IN_WORD = re.compile(r"(?<=[A-Za-z])&(?=[A-Za-z])")
CURRENCY_PREFIX = re.compile(r"\b(US|NT|HK|NZ|C|A|S)\$", re.IGNORECASE)
CLOSING_QUOTE = re.compile(r"(?<!\S)''(?!\S)")
# Each stand-in is swapped for the final form of what it replaced.
STAND_INS = {
    "qqampersandqq": "&amp;",
    "qqdollarqq": "$",
    "qqlowerunkqq": "<unk>",  # marks a rare word in Gigaword's train/valid files
    "qqupperunkqq": "UNK",  # the same in its test files
    "qqclosequoteqq": "''",
    "qqapostropheqq": "'",  # a year written '90s stays one word
}


# nltk/__init__ imports all of nltk, and with it scipy.stats, scikit-learn and pandas where they are installed
# (about 2 s on 2 cores) for parts seqae never uses (association measures, classifier bridges). nltk treats them as
# optional (each import is guarded by `except ImportError`), so while nltk loads they are made to look absent.
NLTK_OPTIONAL_IMPORTS = ("scipy", "sklearn", "pandas")


def import_nltk() -> None:
    """Import nltk (unless it is loaded already) without the optional packages above. A package that was imported
    before is left alone, and any of them imports normally afterwards: only nltk's own optional parts go without."""
    if "nltk" in sys.modules:
        return
    hidden = [name for name in NLTK_OPTIONAL_IMPORTS if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # a None entry makes `import name` raise ImportError
    try:
        importlib.import_module("nltk")
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


@functools.cache
def word_tokenizer():
    """NLTK's Treebank tokenizer, imported on first use: text already in Gigaword's form never needs it."""
    import_nltk()
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def is_abbreviation(word: str) -> bool:
    """True for a word written with a final period that does not end the sentence (`corp`, `u.s`)."""
    bare = word.rstrip(".")
    return bare.lower() in ABBREVIATIONS or bool(ACRONYM.match(word) and "." in bare)


def ptb_tokens(text: str) -> list[str]:
    text = text.translate(TYPOGRAPHIC)
    # Undo Gigaword's own escapes so that already normalized text comes out unchanged. Its digit
    # marker `#` is read as a digit: NLTK would split "##.#" apart, but keeps "00.0" together.
    text = text.replace("&amp;", "&").replace("\\/", "/").replace("\\*", "*").replace("#", "0")
    text = AMPERSAND_IN_WORD.sub("qqampersandqq", text)
    text = CURRENCY_PREFIX.sub(r"\1qqdollarqq ", text)
    text = re.sub(r"<unk>", " qqlowerunkqq ", text)
    text = re.sub(r"\bUNK\b", " qqupperunkqq ", text)
    text = CLOSING_QUOTE.sub(" qqclosequoteqq ", text)
    text = re.sub(r"(?<!\S)'(?=\d)", "qqapostropheqq", text)
    tokens = word_tokenizer().tokenize(text, convert_parentheses=True)
    repaired = []
    for position, token in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        if (
            len(token) > 1
            and token.endswith(".")
            and (following[:1].isupper() or following == "``")
            and not is_abbreviation(token)
            and not re.fullmatch(r"[.\d,]+", token)
        ):
            # "percent. It": a sentence end inside the text.
            repaired += [token[:-1], "."]
        elif (
            token == "."
            and position == len(tokens) - 1
            and repaired
            and not repaired[-1].endswith(".")
            and is_abbreviation(repaired[-1])
        ):
            # PTB writes a text-final "Corp." as "corp. .": the word keeps its period.
            repaired[-1] += "."
            repaired.append(".")
        else:
            repaired.append(token)
    return repaired


def gigaword_normalize(text: str) -> str:
    """Lowercase PTB tokens joined by single spaces, digits replaced by `#`, `&` -> `&amp;`, `/` -> `\\/`.

    Expects one sentence or a few (a Gigaword article is the first sentence of a news story).

    >>> gigaword_normalize('Japan\\'s NEC Corp. said sales rose 12.5 percent (to $3,000).')
    "japan 's nec corp. said sales rose ##.# percent -lrb- to $ #,### -rrb- ."
    """
    words = " ".join(ptb_tokens(text)).lower()
    # Gigaword's source is HTML-escaped (`&` appears only as `&amp;`: at&amp;t, s&amp;p) and PTB
    # escapes slashes and asterisks ("hiv\\/aids", "\\*").
    words = words.replace("&", "&amp;").replace("/", "\\/").replace("*", "\\*")
    for stand_in, original in STAND_INS.items():
        words = words.replace(stand_in, original)
    return re.sub(r"\d", "#", words)


# A news dateline ("HARBOR CITY, Ore. (AP) —", "new delhi ( cnn )", "-lrb- reuters -rrb- --") or byline ("By Jane
# Doe") says where and who, not what happened; the model must not take it for the lead's content.
# These run on user text, so each is linear in it: the datelines bound every repetition that something follows
# (they read at most about 150 characters of a line and the spaces that end them), and the byline's words are
# separated by at least one space or tab, so a run of letters is one word, never split four ways ("by " + "a" * 450
# + "!" made `(?:[A-Z][\w.'\-]*[ \t]*){1,4}` try every split: 2 s at 200 letters, minutes at 450).
AGENCY_DATELINE = re.compile(
    r"^[^()\n]{0,60}?[ \t]{0,20}(?:\(|-lrb-)[ \t]{0,20}(?:ap|reuters|afp|cnn|upi|xinhua|bloomberg|dpa|ians|pti)"
    r"[ \t]{0,20}(?:\)|-rrb-)[ \t]*(?:--|—|–|-|:)?[ \t]*", re.IGNORECASE)
# A source credit in brackets that opens an article ("( the hollywood reporter )", "(Billboard)"): CNN's partner
# stories start so. Bounded like the datelines.
SOURCE_CREDIT = re.compile(r"^[ \t]{0,20}(?:\(|-lrb-)[^()\n]{1,40}?(?:\)|-rrb-)[ \t]*(?:--|—|–|-|:)?[ \t]*")
CAPITALS_DATELINE = re.compile(r"^[A-Z][A-Z .,'\-]{2,40}?[ \t]{0,20}(?:—|–|--)[ \t]+")
# A byline may name the writer's agency after a comma ("By JANE DOE, Associated Press"), or the agency may have a line
# of its own; each name is one run of word characters, so the comma part adds no way to split a run.
NAME = r"[A-Z][\w.'\-]*"
BYLINE = re.compile(rf"^by[ \t]+{NAME}(?:[ \t]+{NAME}){{0,3}}(?:[ \t]*,[ \t]*{NAME}(?:[ \t]+{NAME}){{0,3}})?[ \t]*$",
                    re.IGNORECASE)
AGENCY_LINE = re.compile(r"^[ \t]*(?:the[ \t]+)?associated[ \t]+press(?:[ \t]+writer)?[ \t]*$", re.IGNORECASE)


def strip_datelines(text: str, lines: int = 3) -> str:
    """`text` without bylines and datelines at the start of its first `lines` lines that are not blank (raw or
    already tokenized): a byline, an agency's line and a dateline may each stand in a paragraph of their own."""
    rows = text.split("\n")
    seen = 0
    for index, row in enumerate(rows):
        if seen == lines:
            break
        if not row.strip():
            continue
        seen += 1
        row = "" if BYLINE.match(row) or AGENCY_LINE.match(row) else row
        row = SOURCE_CREDIT.sub("", row, count=1) if seen == 1 else row
        rows[index] = CAPITALS_DATELINE.sub("", AGENCY_DATELINE.sub("", row, count=1), count=1)
    return "\n".join(rows)


# How a normalized piece may be written in the raw text: PTB's brackets, quotes and dashes, and (through
# TYPOGRAPHIC) the typographic characters that stand for ASCII ones.
WRITTEN_PIECES = {"-lrb-": ["("], "-rrb-": [")"], "-lsb-": ["["], "-rsb-": ["]"], "-lcb-": ["{"], "-rcb-": ["}"],
                  "``": ['"', "“", "„", "''", "‘‘", "’’", "`"], "''": ['"', "”", "’’", "‘‘", "``"],
                  "--": ["—", "––", "–"]}
# The characters that a character of a normalized piece stands for, besides itself in either case (`#`: any digit).
WRITTEN_CHARACTERS = {"'": "‘’", '"': "“”„", "-": "–—"}
NEXT_WORD = re.compile(r"\S")


def _same_character(written: str, normalized: str) -> bool:
    return written.lower() == normalized.lower()


def _written_as(written: str, normalized: str) -> bool:
    """Whether the text's character `written` may stand where a normalized piece has `normalized`."""
    return (_same_character(written, normalized) or written in WRITTEN_CHARACTERS.get(normalized, "")
            or (normalized == "#" and written.isdecimal()))


def _written_length(text: str, start: int, piece: str) -> int:
    """How many characters of `text` from `start` write `piece` (0: it is not written there). Plain character
    comparisons rather than a regular expression compiled per piece: a 64 KB word would take a second to compile
    and stay in a cache. The forms are tried in order: the piece itself, case aside; the piece unescaped with `#`
    for any digit and ASCII quotes and dashes for typographic ones; then WRITTEN_PIECES."""
    plain = piece.replace("&amp;", "&").replace("\\/", "/").replace("\\*", "*")
    forms = [(piece, _same_character), (plain, _written_as)]
    forms += [(form, _same_character) for form in WRITTEN_PIECES.get(piece, [])]
    for form, same in forms:
        written = text[start:start + len(form)]
        if len(written) == len(form) and all(map(same, written, form)):
            return len(form)
    return 0


def written_spans(text: str, pieces: list[str]) -> list[tuple[int, int]] | None:
    """Where each normalized piece of `text` (gigaword_normalize's tokens of it, in order, or a prefix of them) is
    written in `text`: the span where the text goes on after the previous piece, matched case-insensitively, `#`
    standing for any digit and PTB's brackets, quotes and escapes for what they replaced. None when a piece is not
    found right there: the alignment is lost, and nothing is guessed."""
    spans, cursor = [], 0
    for piece in pieces:
        found = NEXT_WORD.search(text, cursor)
        start = found.start() if found else len(text)
        length = _written_length(text, start, piece)
        if not length:
            return None
        spans.append((start, start + length))
        cursor = start + length
    return spans


def written_forms(text: str, pieces: list[str]) -> list[str]:
    """Each normalized piece of `text` as `text` writes it (`written_spans`); the pieces as they are, for the whole
    text, when the alignment is lost."""
    spans = written_spans(text, pieces)
    return list(pieces) if spans is None else [text[start:end] for start, end in spans]


def join_written(text: str, spans: list[tuple[int, int]], kept: list[int]) -> str:
    """The kept pieces (indices into `spans`, in order) as `text` writes them, with a space between two pieces
    unless they are neighbours that the text writes together ("$1.2", "Ohio,", "works.\"")."""
    joined = []
    for previous, index in zip([None, *kept], kept):
        glued = previous is not None and index == previous + 1 and spans[previous][1] == spans[index][0]
        joined.append(("" if glued or not joined else " ") + text[spans[index][0]:spans[index][1]])
    return "".join(joined)


def looks_normalized(text: str) -> bool:
    """Already in Gigaword's form: no capital letters, no digits, punctuation split off the words."""
    text = text.replace("UNK", "")  # Gigaword's test files mark rare words so
    return (text == text.lower() and not any(c.isdigit() for c in text)
            and not re.search(r"\w[,;:!?)\"]+(?:\s|$)|\w\.\s*$", text))
