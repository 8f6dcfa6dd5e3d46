// The page's one script: no framework, nothing loaded from elsewhere. Text goes in with textContent only.
"use strict";

const TERMS = {
  information: "how much better the reconstructor predicts the document from the summary than from nothing " +
               "(nats per word; the bar ends at the whole uncertainty without a summary)",
  readability: "the discriminator's probability that a person wrote the summary",
  fluency: "minus the summary language model's mean negative log-likelihood per token " +
           "(the bar starts at a uniform guess)",
};
const DEFAULTS = { words: 10, ratio: 0.3, sentences: 3 };
const $ = (id) => document.getElementById(id);
let info = { words: 10, max_document_words: 60, max_bytes: 65536 };

function setLengthLimits() {
  const mode = $("mode").value, length = $("length");
  if (mode === "ratio") Object.assign(length, { min: 0.05, max: 1, step: 0.05 });
  else Object.assign(length, { min: 1, max: mode === "words" ? info.max_document_words : 100, step: 1 });
  length.value = DEFAULTS[mode];
}

async function loadInfo() {
  try {
    const response = await fetch("/health");
    info = await response.json();
  } catch (error) {
    return;  // the defaults above still work
  }
  DEFAULTS.words = info.words;
  $("model").textContent = `Model: ${info.model} (${info.generator}).`;
  if (info.generator !== "extractive") $("mode").querySelector("option[value=ratio]").remove();
  if (!info.sentences) $("mode").querySelector("option[value=sentences]").remove();
  setLengthLimits();
}

function words(container, list, marked, markClass, tag) {
  container.replaceChildren();
  list.forEach((word, index) => {
    if (index) container.append(" ");
    if (marked(word, index)) {
      const element = document.createElement(tag);
      element.className = markClass;
      element.textContent = word;
      container.append(element);
    } else {
      container.append(word);
    }
  });
}

function showScores(scores, ranges) {
  const list = $("scores");
  list.replaceChildren();
  for (const [name, value] of Object.entries(scores)) {
    const [low, high] = ranges[name];
    const term = document.createElement("dt"), bar = document.createElement("dd"), number = document.createElement("dd");
    term.textContent = name;
    term.title = TERMS[name] || name;
    const meter = document.createElement("meter");
    Object.assign(meter, { min: low, max: high, value: Math.min(high, Math.max(low, value)) });
    meter.title = TERMS[name] || name;
    bar.append(meter);
    number.textContent = value.toFixed(3);
    number.className = "score";
    number.dataset.term = name;
    list.append(term, bar, number);
  }
}

function show(result) {
  $("summary").textContent = result.summary;
  const kept = new Set(result.kept);
  words($("document"), result.document_words, (_, index) => kept.has(index), "kept", "mark");
  const target = new Set(result.reconstruction_target.split(" "));
  words($("reconstruction"), result.reconstruction ? result.reconstruction.split(" ") : [],
        (word) => target.has(word), "recovered", "span");
  const note = $("note");
  note.hidden = !(result.truncated || result.document_mode || result.headline);
  note.textContent = result.truncated ? `The model read the first ${result.words_read} of ` +
    `${result.document_word_count} words (its input limit); the summary comes from those.`
    : result.headline ? "A headline written from the lead sentence (shown), dateline dropped: the length asked " +
    "for is shorter than that sentence."
    : result.document_mode ? `Document mode: whole sentences chosen from all ${result.document_word_count} words ` +
    "of the document, in its order (a length in words cuts the last one taken, marked …)." : "";
  showScores(result.scores, result.score_ranges);
  $("result").hidden = false;
}

async function summarize(event) {
  event.preventDefault();
  const error = $("error"), button = $("summarize");
  error.hidden = true;
  const mode = $("mode").value, value = Number($("length").value);
  const body = JSON.stringify({ text: $("text").value, [mode]: value });
  if (new TextEncoder().encode(body).length > info.max_bytes) {
    error.textContent = `The text is too long for this server (at most ${info.max_bytes} bytes).`;
    error.hidden = false;
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch("/api/summarize", {
      method: "POST", headers: { "Content-Type": "application/json" }, body,
    });
    const result = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) throw new Error(result.error || `HTTP ${response.status}`);
    show(result);
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function openFile() {
  const file = $("file").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => { $("text").value = reader.result; };
  reader.onerror = () => { $("error").textContent = `Cannot read ${file.name}.`; $("error").hidden = false; };
  reader.readAsText(file);
}

document.addEventListener("DOMContentLoaded", () => {
  $("form").addEventListener("submit", summarize);
  $("mode").addEventListener("change", setLengthLimits);
  $("file").addEventListener("change", openFile);
  setLengthLimits();
  loadInfo();
});
