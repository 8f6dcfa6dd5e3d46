"""Make raw text look like Gigaword training text: lowercase PTB tokens, `-lrb-`-style brackets, digits as `#`.

A model trained on Gigaword has only ever seen that form ("japan 's nec corp. said ##.# percent"), so
raw input at inference has to be brought to the same form before it is tokenized.
"""

import re

from nltk.tokenize import NLTKWordTokenizer

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

# NLTK splits `&` and `$` off words, but Gigaword keeps "at&amp;t" and "us$" whole. These alphabetic
# stand-ins survive tokenization inside the word and are turned back afterwards.
AMPERSAND_IN_WORD = re.compile(r"(?<=[A-Za-z])&(?=[A-Za-z])")
AMPERSAND_STAND_IN = "qqampersandqq"
CURRENCY_PREFIX = re.compile(r"\b(US|NT|HK|NZ|C|A|S)\$", re.IGNORECASE)
DOLLAR_STAND_IN = "qqdollarqq"

tokenizer = NLTKWordTokenizer()


def is_abbreviation(word: str) -> bool:
    """True for a word written with a final period that does not end the sentence (`corp`, `u.s`)."""
    bare = word.rstrip(".")
    return bare.lower() in ABBREVIATIONS or bool(ACRONYM.match(word) and "." in bare)


def ptb_tokens(text: str) -> list[str]:
    text = AMPERSAND_IN_WORD.sub(AMPERSAND_STAND_IN, text.translate(TYPOGRAPHIC))
    text = CURRENCY_PREFIX.sub(rf"\1{DOLLAR_STAND_IN} ", text)
    tokens = tokenizer.tokenize(text, convert_parentheses=True)
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
        elif token == "." and position == len(tokens) - 1 and repaired and is_abbreviation(repaired[-1]):
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
    # Gigaword's source is HTML-escaped: `&` appears only as `&amp;` (at&amp;t, s&amp;p).
    words = words.replace("&", "&amp;").replace(AMPERSAND_STAND_IN, "&amp;").replace(DOLLAR_STAND_IN, "$")
    # PTB escapes slashes and asterisks: "hiv\/aids", "\*".
    words = words.replace("/", "\\/").replace("*", "\\*")
    return re.sub(r"\d", "#", words)
