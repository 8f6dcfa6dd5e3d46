"""The applications: what a user runs (training, summarizing, explaining, serving, the demo, the `seqae` commands that
wrap them, reading one's own corpus). They import the core (`seqae.core`), `seqae.rl` and `seqae.data`; `seqae.eval` and the
CLI import them."""
