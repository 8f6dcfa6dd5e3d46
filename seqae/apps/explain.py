"""One summary, explained: which document words it keeps, what the reward terms make of it, and what the
reconstructor recovers of the document from the summary alone (the auto-encoder's other half).

`Explainer(model_dir).explain(text, words=.. | ratio=.. | sentences=..)` returns a plain dict; seqae.apps.serve
sends it as JSON. The reward terms are the training ones (seqae.rl.rewards), computed with the networks the
bundle holds; a term whose model the bundle lacks is left out, never faked.
"""

import torch

from seqae.core.checkpoint import SUMMARY_LM_DIR
from seqae.core.encoding import model_vocab_size, pad, truncate_words
from seqae.data.errors import UsageError
from seqae.core.losses import discriminator_logits, reconstruction_nll
from seqae.core.models import load_discriminator, load_reconstructor
from seqae.rl.rewards import FluencyReward, ReconstructionReward
from seqae.core.sentence_select import CUT_MARK
from seqae.apps.summarize import Summarizer, document_positions
from seqae.core.summary_lm import SummaryLM


def used_positions(document_words: list[str], summary_words: list[str]) -> list[int]:
    """For each summary word found in the document, the position of its first occurrence not used yet, sorted:
    what an abstractive summary takes from the document."""
    return sorted(p for p in document_positions(document_words, summary_words) if p is not None)


def sentence_positions(all_sentences: list[str], chosen: list[str]) -> list[int]:
    """The word positions (in the document's words, sentence after sentence) of the chosen sentences, which are
    a subsequence of `all_sentences` in document order; one of them may be a sentence's first words only, marked
    with CUT_MARK (a words budget cuts the sentence it reaches last, which may stand anywhere in the document)."""
    positions, offset, next_chosen, cut_seen = [], 0, 0, False
    for sentence in all_sentences:
        words = sentence.split()
        if next_chosen < len(chosen):
            wanted = chosen[next_chosen].removesuffix(CUT_MARK).split()
            cut = not cut_seen and len(wanted) < len(words) and words[:len(wanted)] == wanted
            if words == wanted or cut:
                positions += range(offset, offset + len(wanted))
                next_chosen, cut_seen = next_chosen + 1, cut_seen or cut
        offset += len(words)
    return positions


class Explainer:
    """A trained bundle's generator (through `Summarizer`) and, when the bundle has them (an inference-only bundle,
    such as the packaged model, has none), its reconstructor, discriminator and summary language model, loaded
    once."""

    def __init__(self, model_dir, device: str | None = None):
        self.summarizer = Summarizer(model_dir, device)
        directory, config = self.summarizer.directory, self.summarizer.config
        self.codec = self.summarizer.codec
        self.max_words = config.data.max_document_words
        device = self.summarizer.generator.device
        self.reconstructor = self.discriminator = self.information = None
        if (directory / "reconstructor" / "config.json").is_file():
            self.reconstructor = load_reconstructor(directory / "reconstructor").to(device).eval()
            # Scoring only: no optimizer and no accelerator, since R never trains here.
            self.information = ReconstructionReward(self.reconstructor, self.codec, None, None, self.max_words)
        if (directory / "discriminator" / "config.json").is_file():
            self.discriminator = load_discriminator(directory / "discriminator").to(device).eval()
        self.fluency = None
        if (directory / SUMMARY_LM_DIR).is_dir():
            self.fluency = FluencyReward(SummaryLM.load(directory / SUMMARY_LM_DIR).to(device))

    @property
    def extractive(self) -> bool:
        return self.summarizer.generator.selects_words

    def explain(self, text: str, *, words: int | None = None, ratio: float | None = None,
                sentences: int | None = None) -> dict:
        """The summary of `text` (one of `words`, `ratio`, `sentences`, else the model's default length) with
        its kept positions, reward scores and R's greedy reconstruction."""
        if not text.strip():
            raise UsageError("no text to summarize")
        if sum(option is not None for option in (words, ratio, sentences)) > 1:
            raise UsageError("give at most one of words, ratio, sentences")
        if ratio is not None and not self.extractive:
            raise UsageError("ratio needs an extractive model; this one writes its summary (use words)")
        summarizer = self.summarizer
        # The routing of `seqae summarize` and the API (Summarizer.route): document mode for a whole document.
        budget = summarizer.route(text, words=words, ratio=ratio, sentences=sentences)
        with torch.no_grad():
            plan = summarizer.plan_document(text, **budget) if budget is not None else None
            if plan is None:
                result = self._words(text, words, ratio)
            elif isinstance(plan, tuple):  # a headline, written from one sentence
                result = self._words(plan[0], plan[1], None)
                result.update(mode="ratio" if ratio is not None else "words", headline=True)
            else:
                result = self._document(text, plan, next(name for name, value in budget.items() if value is not None))
            # R, D and the summary LM read the model's normalized form, whatever form the summary is shown in.
            read, scored = result.pop("read"), result.pop("scored")
            result["scores"], result["score_ranges"] = self.scores(read, scored)
            result["reconstruction_target"] = " ".join(truncate_words(read, self.max_words))
            result["reconstruction"] = (self.reconstruct(scored, result["reconstruction_target"])
                                        if self.reconstructor is not None else "")
        return result

    def _words(self, text: str, words: int | None, ratio: float | None) -> dict:
        """The generator's words or ratio summary of a document it reads whole; of a longer one (in a model
        without a sentence splitter for document mode), of the lead it reads, reported as `truncated`."""
        summarizer = self.summarizer
        read = summarizer.prepare(text)
        # What the model would have read without its input limit: the normalized document (prepare keeps a
        # prefix of it), so a cut is reported, never silent.
        total = len(summarizer.normalize(text).split())
        if self.extractive:
            document, positions = summarizer.select([read], words=words or summarizer.config.decode.words,
                                                    ratio=ratio)
            normalized, kept = document[0], positions[0]
            document_words = summarizer.written_words(text, normalized)  # shown as the document writes them
            # The summary exactly as `seqae summarize` writes it ("$1.2", not "$ 1.2"); R, D and the LM score the
            # model's normalized form.
            summary, scored = summarizer.written_summary(text, normalized, kept), " ".join(normalized[i] for i in kept)
        else:
            summary = scored = summarizer.summarize_lines([text], words=words)[0]
            document_words = read.split()
            kept = used_positions(document_words, summary.split())
        return {"mode": "ratio" if ratio is not None else "words", "document_mode": False, "summary": summary,
                "document_words": document_words, "kept": kept, "words_read": len(document_words),
                "document_word_count": max(total, len(document_words)),
                "truncated": total > len(document_words), "read": read, "scored": scored}

    def _document(self, text: str, chosen: list[str], mode: str) -> dict:
        """Document mode (Summarizer.plan_document): the `chosen` lines, whole sentences of the whole document."""
        all_sentences = self.summarizer.split_sentences(text)
        document_words = [word for sentence in all_sentences for word in sentence.split()]
        return {"mode": mode, "document_mode": True, "summary": " ".join(chosen), "sentences": chosen,
                "document_words": document_words, "kept": sentence_positions(all_sentences, chosen),
                "words_read": len(document_words), "document_word_count": len(document_words), "truncated": False,
                "read": self.summarizer.prepare(text), "scored": self.summarizer.normalize_words(" ".join(chosen))}

    def scores(self, document: str, summary: str) -> tuple[dict, dict]:
        """The reward terms this bundle can compute, and the range each lies in (for drawing it as a bar):
        - information: R's gain, NLL(document | nothing) - NLL(document | summary) in nats per document token;
          its range tops out at the whole NLL given nothing (a summary that makes the document certain);
        - readability: D's probability that the summary was written by a person;
        - fluency: minus the summary LM's mean NLL per token; its floor is a uniform guess, -log(vocabulary)."""
        scores, ranges = {}, {}
        if self.reconstructor is not None:
            scores["information"] = self.information([document], [summary])[0]
            nothing = reconstruction_nll(self.reconstructor, self.codec, [""], [document], self.max_words)[0].item()
            ranges["information"] = [0.0, nothing]
        if self.discriminator is not None:
            # As DiscriminatorReward scores (class 1 = human), without its training state (optimizer, human texts).
            scores["readability"] = torch.softmax(discriminator_logits(self.discriminator, self.codec, [summary]),
                                                  -1)[0, 1].item()
            ranges["readability"] = [0.0, 1.0]
        if self.fluency is not None:
            scores["fluency"] = self.fluency([document], [summary])[0]
            ranges["fluency"] = [self.fluency.worst, 0.0]
        return ({name: round(value, 4) for name, value in scores.items()},
                {name: [round(low, 4), round(high, 4)] for name, (low, high) in ranges.items()})

    def reconstruct(self, summary: str, target: str) -> str:
        """R's greedy decode of the document from `summary <sep>` alone, stopping at </s> or at the target's
        length. The unknown token and a repeated word pair are never chosen: R's smaller vocabulary makes
        `<unk>` its likeliest guess at many positions, and a string of them shows nothing (the information score is
        R's loss on the real document, not this text)."""
        codec, model = self.codec, self.reconstructor
        vocab_size = model_vocab_size(model)
        # The prompt exactly as R reads it in training (seqae.core.encoding.reconstructor_batch): `summary <sep>`.
        prompt = codec.ids(truncate_words(summary, self.max_words), vocab_size) + [codec.sep]
        input_ids, attention_mask = (t.to(model.device) for t in pad([prompt], codec.pad))
        new_tokens = min(len(target.split()), model.config.max_position_embeddings - len(prompt))
        if new_tokens < 1:
            return ""
        output = model.generate(input_ids=input_ids, attention_mask=attention_mask, do_sample=False, num_beams=1,
                                max_new_tokens=new_tokens, pad_token_id=codec.pad, eos_token_id=codec.eos,
                                suppress_tokens=[codec.pad, codec.bos, codec.sep, codec.unk], no_repeat_ngram_size=2)
        words = []
        for token in output[0, len(prompt):].tolist():
            if token == codec.eos:
                break
            words.append(codec.id_to_word[token])
        return " ".join(words)

