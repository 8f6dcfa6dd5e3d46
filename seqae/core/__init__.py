"""The core: typed configs, tokenization into batches, the networks (tagger, writer, reconstructor, discriminator,
summary LM), losses and optimizers, the sampling and log-probability math the generators need, span selection,
checkpoints, the ONNX tagger, the sentence encoder and document mode's sentence choice. It imports only `seqae.data`;
`seqae.rl`, the applications (`seqae.apps`), `seqae.eval` and the CLI import it."""
