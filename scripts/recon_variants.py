"""Issue 23 exploration: score the candidates of a `seqae diagnose-reward --json` dump by variants of R's
score and print each variant's within-document Spearman / best-by (seqae.eval.diagnose.summarize_records).

    python scripts/recon_variants.py DUMP.json BUNDLE [--reconstructor DIR] [--others K] [--pmi-docs N]
                                     [--hidden | --seq2seq DIR] [--out SCORES.json]

One forward pass of R per candidate (and one with the empty summary per document) gives every token-level
variant; `--others K` adds K other dev documents per document (the next K of the slice, cyclically) for the
normalized (PMI / contrastive) forms, on the first `--pmi-docs` documents. `--hidden` adds R as a sentence
encoder: the cosine of the summary's and the document's pooled hidden states (`hidden_similarity`). `--seq2seq DIR`
scores with a seq2seq R (scripts/seq2seq_reconstructor.py) instead of a causal one.
"""

import argparse
import json
import math
import sys
import time

from pathlib import Path

import torch

from seqae.core.checkpoint import load_bundle_config
from seqae.data.corpus import load_corpus
from seqae.data.heuristics import is_function_token
from seqae.data.tokenizer import load_word_codec
from seqae.core.encoding import IGNORE_INDEX, model_vocab_size, pad, reconstructor_batch, truncate_words
from seqae.eval.diagnose import summarize_records
from seqae.core.models import load_reconstructor
from seqae.rl.word_prior import WordPrior


@torch.no_grad()
def token_pass(model, codec, summaries, documents, max_words, batch=64):
    """Per pair: (log p of each document token incl. </s> [T], mass [T_unique] of each distinct document id over
    the document positions, the distinct ids)."""
    vocab = model_vocab_size(model)
    out = []
    for start in range(0, len(summaries), batch):
        s, d = summaries[start:start + batch], documents[start:start + batch]
        b = reconstructor_batch(codec, s, d, max_words, vocab)
        logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits[:, :-1].float()
        labels = b["labels"][:, 1:]
        logp = torch.log_softmax(logits, -1)
        for row in range(len(s)):
            pos = (labels[row] != IGNORE_INDEX).nonzero().squeeze(-1)
            ids = labels[row, pos]
            lp = logp[row, pos].gather(-1, ids.unsqueeze(-1)).squeeze(-1)
            doc_ids = ids[:-1]  # without </s>
            uniq = torch.unique(doc_ids)
            mass = logp[row, pos[:-1]][:, uniq].exp().sum(0)
            out.append((lp, uniq, mass))
    return out


@torch.no_grad()
def pooled_states(model, codec, texts, max_words, weight, batch=128):
    """Per text, {(layer, pooling): vector}: R reading `<sep> text` (a document given nothing), its input
    embeddings, middle and last hidden states averaged over the text's words, each word weighted by
    `weight(word, pooling)`."""
    vocab = model_vocab_size(model)
    out = []
    for start in range(0, len(texts), batch):
        chunk = [truncate_words(t, max_words) for t in texts[start:start + batch]]
        ids, mask = pad([[codec.sep] + codec.ids(w, vocab) for w in chunk], codec.pad)
        states = model.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        layers = {"emb": states[0], "mid": states[len(states) // 2], "last": states[-1]}
        for row, words in enumerate(chunk):
            vectors = {}
            for pooling in POOLINGS:
                w = torch.zeros(ids.size(1))
                w[1:len(words) + 1] = torch.tensor([weight(word, pooling) for word in words])
                if w.sum() == 0:
                    w[0] = 1.0  # nothing to pool (an empty summary): the <sep> state
                for layer, hidden in layers.items():
                    vectors[(layer, pooling)] = (hidden[row] * w[:, None]).sum(0) / w.sum()
            out.append(vectors)
    return out


POOLINGS = ("mean", "content", "idf", "ratio")


def hidden_similarity(model, codec, records, docs, max_words, weight) -> list[str]:
    """Adds `cos_LAYER_POOLING` to every candidate's scores: the cosine of its summary's and its document's pooled
    R states (`pooled_states`); returns the names."""
    doc_vectors = pooled_states(model, codec, docs, max_words, weight)
    summary_vectors = iter(pooled_states(model, codec, [c["summary"] for r in records for c in r["candidates"]],
                                         max_words, weight))
    for i, record in enumerate(records):
        for candidate in record["candidates"]:
            for (layer, pooling), vector in next(summary_vectors).items():
                candidate["scores"][f"cos_{layer}_{pooling}"] = torch.cosine_similarity(
                    vector, doc_vectors[i][(layer, pooling)], 0).item()
    return [f"cos_{layer}_{pooling}" for layer in ("emb", "mid", "last") for pooling in POOLINGS]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("bundle")
    parser.add_argument("--reconstructor", default=None)
    parser.add_argument("--seq2seq", default=None,
                        help="score with the seq2seq R saved here (scripts/retrain_reconstructor.py --seq2seq)")
    parser.add_argument("--others", type=int, default=0)
    parser.add_argument("--pmi-docs", type=int, default=100)
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--hidden", action="store_true", help="also R's pooled hidden states as a sentence encoder")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    if args.seq2seq and (args.hidden or args.reconstructor):
        parser.error("--seq2seq scores with its own R: no --reconstructor, no --hidden (a causal R's states)")
    torch.set_num_threads(1)
    started = time.perf_counter()

    dump = json.load(open(args.dump))
    records = dump["documents"][: args.docs] if args.docs else dump["documents"]
    config = load_bundle_config(Path(args.bundle))
    corpus = load_corpus(config.data, config.seed)
    codec = load_word_codec(f"{args.bundle}/tokenizer")
    if args.seq2seq:
        import seq2seq_reconstructor
        model = seq2seq_reconstructor.load(args.seq2seq).eval()
    else:
        model = load_reconstructor(args.reconstructor or f"{args.bundle}/reconstructor").eval()
    vocab = model_vocab_size(model)
    prior = WordPrior.load(f"{args.bundle}/word_prior.json")
    idf = prior.idf

    max_words = config.data.max_document_words
    docs = [corpus.dev_articles[r["index"]] for r in records]
    # baseline (empty summary), one per document
    base = token_pass(model, codec, [""] * len(docs), docs, max_words)
    pairs_s = [c["summary"] for r in records for c in r["candidates"]]
    pairs_d = [docs[i] for i, r in enumerate(records) for _ in r["candidates"]]
    print(f"{len(pairs_s)} candidates, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    scored = token_pass(model, codec, pairs_s, pairs_d, max_words)
    print(f"token pass done, {time.perf_counter() - started:.0f} s", file=sys.stderr)

    position = 0
    for i, record in enumerate(records):
        words = truncate_words(docs[i], max_words)
        ids = codec.ids(words, vocab)
        lp0, uniq0, mass0 = base[i]
        content = torch.tensor([0.0 if is_function_token(w) else 1.0 for w in words] + [0.0])
        w_idf = torch.tensor([idf(w) for w in words] + [0.0])
        w_cidf = content * w_idf
        lo = torch.tensor([prior.word_scores([w])[0] for w in words] + [0.0])
        extra_weights = {"r_content_ratio": content * lo.exp(), "r_content_idf_x_sig": w_cidf * torch.sigmoid(lo),
                         "r_content_idf_cap6": content * w_idf.clamp(max=6.0),
                         "r_content_idf_x_ratio": w_cidf * lo.exp(),
                         "r_content_pos": content * w_idf / (1 + torch.arange(len(words) + 1) / 10)}
        uniq_list = uniq0.tolist()
        # per distinct id: idf of (one of) its words, content flag; unk excluded
        id_word = {}
        for w, t in zip(words, ids):
            id_word.setdefault(t, w)
        u_w = torch.tensor([0.0 if (t == codec.unk or is_function_token(id_word[t])) else idf(id_word[t])
                            for t in uniq_list])
        for candidate in record["candidates"]:
            lp, uniq, mass = scored[position]
            position += 1
            gain = lp - lp0
            summary_words = set(candidate["summary"].split())
            in_summary = torch.tensor([1.0 if w in summary_words else 0.0 for w in words] + [0.0])
            sc = candidate["scores"]
            sc["r_mean"] = gain.mean().item()
            sc["r_idf"] = (gain * w_idf).sum().item() / max(w_idf.sum().item(), 1e-9)
            sc["r_content_idf"] = (gain * w_cidf).sum().item() / max(w_cidf.sum().item(), 1e-9)
            for label, wv in extra_weights.items():
                sc[label] = (gain * wv).sum().item() / max(wv.sum().item(), 1e-9)
            sc["r_content"] = (gain * content).sum().item() / max(content.sum().item(), 1e-9)
            rest = 1 - in_summary
            rest[-1] = 1.0
            sc["r_rest"] = (gain * rest).sum().item()  # tokens the summary does not copy (+ </s>)
            sc["r_rest_cidf"] = (gain * rest * w_cidf).sum().item()
            for label, wv in (("r_rest_content_ratio", rest * content * lo.exp()), ("r_rest_content", rest * content)):
                sc[label] = (gain * wv).sum().item() / max(wv.sum().item(), 1e-9)
            sc["r_copy"] = (gain * in_summary).sum().item()
            assert torch.equal(uniq, uniq0)
            sc["r_bag_cidf"] = (u_w * (mass.clamp(min=1e-6).log() - mass0.clamp(min=1e-6).log())).sum().item()
            sc["r_bag_cidf_capped"] = (u_w * (mass.clamp(min=1e-6, max=1.0).log()
                                              - mass0.clamp(min=1e-6, max=1.0).log())).sum().item()
            sc["idf_recall"] = (w_cidf * in_summary).sum().item()  # no R: content-word IDF kept (reference)
            sc["r_sum"] = lp.sum().item()
            if "word_prior" in sc:  # the no-pretrained information total the diagnosis found best
                sc["word_prior+2*r_content_ratio"] = sc["word_prior"] + 2 * sc["r_content_ratio"]
    names = ["word_prior+2*r_content_ratio"] * ("word_prior" in records[0]["candidates"][0]["scores"]) + [
             "r_content_ratio", "r_content_idf_x_sig", "r_content_idf_cap6", "r_content_idf_x_ratio",
             "r_content_pos", "r_mean", "r_idf", "r_content_idf", "r_content", "r_rest", "r_rest_cidf",
             "r_rest_content_ratio", "r_rest_content", "r_copy", "r_bag_cidf",
             "r_bag_cidf_capped", "idf_recall"]
    if args.hidden:
        def pooling_weight(word, pooling):
            if pooling == "mean":
                return 1.0
            if is_function_token(word):
                return 0.0
            return {"content": 1.0, "idf": idf(word), "ratio": prior.ratio(word)}[pooling]

        names += hidden_similarity(model, codec, records, docs, max_words, pooling_weight)

    if args.others:
        m = min(args.pmi_docs, len(records))
        pmi_records = records[:m]
        pairs_s, pairs_d = [], []
        for i, record in enumerate(pmi_records):
            others = [docs[(i + 1 + j) % len(docs)] for j in range(args.others)]
            for candidate in record["candidates"]:
                for other in others:
                    pairs_s.append(candidate["summary"])
                    pairs_d.append(other)
        print(f"PMI pass: {len(pairs_s)} pairs", file=sys.stderr)
        other_base = {}
        scored = token_pass(model, codec, pairs_s, pairs_d, max_words)
        print(f"PMI pass done, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        position = 0
        cw = []
        for i in range(len(docs)):
            ws = truncate_words(docs[i], max_words)
            cw.append(torch.tensor([0.0 if is_function_token(w) else idf(w) for w in ws] + [0.0]))

        def cgain(lp, j):
            return ((lp - base[j][0]) * cw[j]).sum().item() / max(cw[j].sum().item(), 1e-9)

        for i, record in enumerate(pmi_records):
            others = [(i + 1 + j) % len(docs) for j in range(args.others)]
            lp0_sum = torch.tensor([base[j][0].sum().item() for j in others])
            lp0_mean = torch.tensor([base[j][0].mean().item() for j in others])
            own0_sum, own0_mean = base[i][0].sum().item(), base[i][0].mean().item()
            for candidate in record["candidates"]:
                lps = scored[position: position + args.others]
                position += args.others
                o_sum = torch.tensor([x[0].sum().item() for x in lps])
                o_mean = torch.tensor([x[0].mean().item() for x in lps])
                sc = candidate["scores"]
                cg = torch.tensor([cgain(x[0], j) for x, j in zip(lps, others)])
                sc["pmi_cidf"] = sc["r_content_idf"] - (torch.logsumexp(cg, 0) - math.log(len(cg))).item()
                sc["lin_cidf"] = sc["r_content_idf"] - cg.mean().item()
                sc["pmi_cidf_x4"] = sc["r_content_idf"] - (torch.logsumexp(4 * cg, 0) - math.log(len(cg))).item() / 4
                own_sum, own_mean = sc["r_sum"], sc["r_mean"] + own0_mean
                lme = lambda v: (torch.logsumexp(v, 0) - math.log(len(v))).item()
                sc["pmi_sum"] = own_sum - lme(o_sum)
                sc["pmi_mean"] = own_mean - lme(o_mean)
                sc["ctr_sum"] = own_sum - torch.logsumexp(torch.cat([o_sum, torch.tensor([own_sum])]), 0).item()
                sc["ctr_mean"] = own_mean - torch.logsumexp(torch.cat([o_mean, torch.tensor([own_mean])]), 0).item()
                g_sum, g_mean = o_sum - lp0_sum, o_mean - lp0_mean
                sc["pmi_gain_sum"] = (own_sum - own0_sum) - lme(g_sum)
                sc["pmi_gain_mean"] = (own_mean - own0_mean) - lme(g_mean)
                sc["lin_gain_mean"] = (own_mean - own0_mean) - g_mean.mean().item()
                sc["ctr_gain_mean"] = (own_mean - own0_mean) - torch.logsumexp(
                    torch.cat([g_mean, torch.tensor([own_mean - own0_mean])]), 0).item()
        pmi_names = ["r_content_idf", "pmi_cidf", "lin_cidf", "pmi_cidf_x4", "pmi_sum", "pmi_mean", "ctr_sum", "ctr_mean", "pmi_gain_sum", "pmi_gain_mean", "lin_gain_mean",
                     "ctr_gain_mean"]
        result = summarize_records(pmi_records, ["r_mean"] + pmi_names + ["similarity"] * ("similarity" in
                                   pmi_records[0]["candidates"][0]["scores"]))
        print(f"\nPMI forms on {m} documents, {args.others} others each: greedy {result['greedy']:.2f}")
        for name, entry in result["terms"].items():
            print(f"| {name} | {entry['all']['spearman']:+.3f} | {entry['all']['best']:.2f} | "
                  f"{entry['swaps']['spearman']:+.3f} | {entry['swaps']['best']:.2f} |")

    existing = [k for k in records[0]["candidates"][0]["scores"] if k not in names and not k.startswith(("pmi", "ctr", "lin"))]
    result = summarize_records(records, existing + names)
    print(f"\n{len(records)} documents: greedy {result['greedy']:.2f}, oracle {result['oracle']['all']:.2f} / "
          f"swaps {result['oracle']['swaps']:.2f}, {time.perf_counter() - started:.0f} s")
    print("| variant | Spearman, all | best, all | Spearman, swaps | best, swaps |")
    for name, entry in result["terms"].items():
        print(f"| {name} | {entry['all']['spearman']:+.3f} | {entry['all']['best']:.2f} | "
              f"{entry['swaps']['spearman']:+.3f} | {entry['swaps']['best']:.2f} |")
    if args.out:
        json.dump({"documents": records}, open(args.out, "w"))


if __name__ == "__main__":
    main()
