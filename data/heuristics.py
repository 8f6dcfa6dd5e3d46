"""Headline heuristics over one tokenized document: the function-word lists and the lead / content-word
lead pseudo-summaries.

One place for both users: the `seqae baseline` command (eval) and the warm start's pseudo-summaries
(training), so the baseline rows and what the generator imitates are the same code.
"""

import re

# Closed-class English words, the reporting verb of news leads, and the punctuation tokens and
# PTB escapes of Gigaword. Dropping them before taking a lead keeps the word budget for the
# names, nouns and verbs that headlines are made of.
_DETERMINERS = "the a an this that these those its his her their our my your"
_PREPOSITIONS = (
    "of to in on for at by with from as into over about after before under between against "
    "during without through up down out off than amid since until"
)
_CONJUNCTIONS = "and or but nor so yet if while because although though whether"
_AUXILIARIES = (
    "is are was were be been being am has have had having do does did "
    "will would shall should can could may might must"
)
_PRONOUNS = "it he she they we i you him them us me who whom which what whose"
_NEWS_FILLER = "'s said says n't not also"
_PTB_TOKENS = "-lrb- -rrb- -lsb- -rsb- -lcb- -rcb- `` '' ` ' , . ; : -- ... ? ! & $ %"

PREPOSITIONS = frozenset(_PREPOSITIONS.split())
FUNCTION_WORDS = frozenset(
    " ".join(
        [_DETERMINERS, _PREPOSITIONS, _CONJUNCTIONS, _AUXILIARIES, _PRONOUNS, _NEWS_FILLER, _PTB_TOKENS]
    ).split()
)

# ROUGE's tokenizer keeps only [a-z0-9] runs, so a token without a letter or digit (punctuation,
# Gigaword's digit-masked numbers such as `##` or `#.#`) can never match a reference word.
_HAS_ALPHANUMERIC = re.compile(r"[a-z0-9]")

# The pseudo-summary schemes: the first N words, the first N content words, or the first N content words
# keeping prepositions (headlines keep "in", "for", "to").
HEURISTICS = ("lead", "content_lead", "content_lead_prepositions")


_NUMBER = re.compile(r"[#0-9][#0-9.,:/-]*")


def is_number_token(token: str) -> bool:
    """`##`, `#.#`, `1,200`, `2025`; not `$`, `percent`, `##-year-old`."""
    return _NUMBER.fullmatch(token) is not None


# Cardinals as news text spells them ("two us soldiers killed", "hundreds flee", "twenty-five"): a headline that keeps
# "six" keeps the number as much as one that writes `#`. Not "one" (a pronoun as often as a number) nor ordinals.
NUMBER_WORDS = frozenset(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "trillion dozen dozens hundreds thousands millions billions".split()
)


def is_number_word(token: str) -> bool:
    """A spelled cardinal of `NUMBER_WORDS`, alone or hyphenated (`twenty-five`); not `one`, not `##-year-old`."""
    return all(part in NUMBER_WORDS for part in token.lower().split("-"))


def mentions_number(text: str) -> bool:
    """Whether a tokenized text has a number, in digits (`is_number_token`) or spelled (`is_number_word`)."""
    return any(is_number_token(token) or is_number_word(token) for token in text.split())


def is_function_token(token: str) -> bool:
    """True for a function word, punctuation, or a token that cannot score under ROUGE."""
    token = token.lower()
    return token in FUNCTION_WORDS or not _HAS_ALPHANUMERIC.search(token)


def heuristic_positions(words: list[str], heuristic: str, count: int) -> list[int]:
    """Word positions that the `heuristic` keeps, at most `count` of them, in document order."""
    if heuristic == "lead":
        return list(range(min(count, len(words))))
    if heuristic not in HEURISTICS:
        raise ValueError(f"unknown heuristic {heuristic!r}; known: {', '.join(HEURISTICS)}")
    keep = PREPOSITIONS if heuristic == "content_lead_prepositions" else frozenset()
    return [i for i, word in enumerate(words) if word in keep or not is_function_token(word)][:count]


def heuristic_summary(document: str, heuristic: str, count: int, max_words: int | None = None) -> str:
    """The pseudo-summary of `document` (its first `max_words` words, if given) under `heuristic`."""
    words = document.split()[:max_words]
    return " ".join(words[i] for i in heuristic_positions(words, heuristic, count))
