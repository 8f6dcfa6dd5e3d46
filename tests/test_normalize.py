"""Tests for seqae.data.normalize: raw sentences come out written the way Gigaword writes them."""

import pytest

from seqae.data.normalize import gigaword_normalize, join_written, written_forms, written_spans


@pytest.mark.parametrize(
    ("raw", "gigaword"),
    [
        # First lines of Gigaword test.article.txt, with the raw form they came from.
        (
            "Japan's NEC Corp. and Cray Computer Corp. of the United States said Wednesday they had "
            "agreed to join forces in supercomputer sales.",
            "japan 's nec corp. and cray computer corp. of the united states said wednesday they had "
            "agreed to join forces in supercomputer sales .",
        ),
        (
            "Factory orders for manufactured goods rose 4.3 percent in September, the Commerce Department said.",
            "factory orders for manufactured goods rose #.# percent in september , the commerce department said .",
        ),
        (
            'The U.S. (Washington) said "it won\'t stop" 12.5 percent of $3,000 sales by 2024.',
            "the u.s. -lrb- washington -rrb- said `` it wo n't stop '' ##.# percent of $ #,### sales by #### .",
        ),
    ],
)
def test_matches_gigaword_style(raw, gigaword):
    assert gigaword_normalize(raw) == gigaword


def test_escapes_as_gigaword_does():
    assert gigaword_normalize("AT&T and HIV/AIDS cost US$5") == "at&amp;t and hiv\\/aids cost us$ #"


def test_typographic_quotes_and_dashes():
    assert gigaword_normalize("He said “I can’t” — then left") == "he said `` i ca n't '' -- then left"


def test_sentence_end_inside_text_is_split_but_abbreviations_are_kept():
    assert gigaword_normalize("Sales rose. Mr. Smith left Apple Inc.") == "sales rose . mr. smith left apple inc. ."


@pytest.mark.parametrize(
    "text",
    [
        "police arrested five anti-nuclear protesters thursday , a spokesman said .",
        "japan 's nec corp. and UNK computer corp. of the u.s. said ##.# percent -lrb- $ #,### -rrb- .",
        "he said `` it was the '##s '' in hiv\\/aids at&amp;t &amp; <unk> , a ##-year-old said .",
        "us september factory orders up #.# percent",
    ],
)
def test_gigaword_text_is_unchanged(text):
    # Training may normalize text that is already in Gigaword form: it must come through as it was.
    assert gigaword_normalize(text) == text


def test_datelines_and_bylines_are_not_content():
    from seqae.data.normalize import strip_datelines

    raw = "Council Approves Barrier\nHARBOR CITY, Ore. (AP) — The council voted on Monday."
    assert strip_datelines(raw) == "Council Approves Barrier\nThe council voted on Monday."
    assert strip_datelines("new delhi ( cnn ) in an unusual raid") == "in an unusual raid"
    assert strip_datelines("lusaka , feb. ## -lrb- xinhua -rrb- -- the repatriation") == "the repatriation"
    assert strip_datelines("By Jane Doe\nWASHINGTON — Congress passed it.") == "\nCongress passed it."
    # The agency after the byline, or on a line of its own; blank lines between them do not count.
    assert strip_datelines("By JANE DOE, Associated Press\n\nPARIS (AP) — It rained.") == "\n\nIt rained."
    assert strip_datelines("By JANE DOE\nAssociated Press\n\nIt rained.") == "\n\n\nIt rained."
    assert strip_datelines("By Jane Doe, who was there, saw it") == "By Jane Doe, who was there, saw it"
    # A source credit in brackets opening the article; a bracket later on is content.
    assert strip_datelines("( the hollywood reporter ) richard dysart died .") == "richard dysart died ."
    assert strip_datelines("(Billboard) — The band split.\nIt (the band) split.") == "The band split.\nIt (the band) split."
    untouched = "Police said on Monday (local time) that the road was closed."
    assert strip_datelines(untouched) == untouched


def test_looks_normalized_tells_gigaword_text_from_raw_text():
    from seqae.data.normalize import looks_normalized

    assert looks_normalized("japan 's nec corp. and UNK computer corp. said ##.# percent .")
    assert not looks_normalized("Japan said")
    assert not looks_normalized("sales rose 12 percent .")
    assert not looks_normalized("hello, world .")


def test_a_lowercase_model_normalizes_raw_input(tiny_run):
    from seqae.apps.summarize import Summarizer

    summarizer = Summarizer(tiny_run)
    assert summarizer.lowercase_vocabulary
    assert summarizer.normalize("BERLIN (Reuters) - Police Met 3 Unions.") == "police met # unions ."
    already = "police met union in city ."
    assert summarizer.normalize(already) == already


@pytest.mark.parametrize("raw, written", [
    ("Japan's NEC Corp. said sales rose 12.5 percent (to $3,000).",
     "Japan 's NEC Corp. said sales rose 12.5 percent ( to $ 3,000 ) ."),
    ("“Don’t go,” she said — at AT&T/Verizon on 4/5.", "“ Do n’t go , ” she said — at AT&T/Verizon on 4/5 ."),
    ("japan 's nec corp. said ##.# percent -lrb- to $ #,### -rrb- .",  # normalized already: unchanged
     "japan 's nec corp. said ##.# percent -lrb- to $ #,### -rrb- ."),
])
def test_written_forms_map_normalized_pieces_back_to_the_text(raw, written):
    pieces = gigaword_normalize(raw).split()
    assert written_forms(raw, pieces) == written.split()
    assert written_forms(raw, pieces[:3]) == written.split()[:3]  # a prefix (what the model read) maps alike


@pytest.mark.parametrize("raw", ["Fans said ''we won 3'' then \"lost\" 5 to 7.", "He won ’’3 to 1’’ vs \"Ann\" 9 times",
                                 "İstanbul is a city of 15 million."])
def test_written_forms_never_misplace_a_piece(raw):
    """Each piece maps to its own span, or (alignment lost) every piece stays normalized: never a digit from
    elsewhere in the text."""
    pieces = gigaword_normalize(raw).split()
    forms = written_forms(raw, pieces)
    assert len(forms) == len(pieces)
    for piece, form in zip(pieces, forms):
        if any(c.isalnum() for c in piece):  # a word or number is itself (quotes and dashes may be written anyhow)
            assert gigaword_normalize(form) == piece
    assert written_forms("Police met", ["police", "<unk>", "met"]) == ["police", "<unk>", "met"]


def test_extractive_summaries_of_raw_text_are_written_as_the_document_writes_them(tiny_run):
    from seqae.apps.summarize import Summarizer

    summarizer = Summarizer(tiny_run)
    raw = "BERLIN (Reuters) - Police said on Tuesday that 42 rebels left the city."
    assert summarizer.summarize_lines([raw], ratio=1.0) == ["Police said on Tuesday that 42 rebels left the city."]
    summary = summarizer.summarize_lines([raw], words=3)[0].split()
    assert len(summary) == 3 and all(word in raw for word in summary)
    assert summarizer.summarize_lines(["police said the rebels left"], ratio=1.0) == ["police said the rebels left"]


def test_join_written_glues_what_the_text_writes_together():
    raw = "Sen. Rob Portman, R-Ohio, backed the $1.2 trillion bill."
    pieces = gigaword_normalize(raw).split()
    spans = written_spans(raw, pieces)
    assert join_written(raw, spans, list(range(len(pieces)))) == raw
    kept = [pieces.index("portman"), pieces.index(","), pieces.index("$"), pieces.index("#.#"), pieces.index("bill")]
    assert join_written(raw, spans, kept) == "Portman, $1.2 bill"
    assert written_spans("Police met", ["police", "<unk>", "met"]) is None
