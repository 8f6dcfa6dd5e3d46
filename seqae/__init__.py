"""seqae: unsupervised summarization as a seq2seq2seq auto-encoder (generator -> words -> reconstructor),
with a discriminator for readability, trained by policy gradient.

rl/, data/ and eval/ of the source tree install as seqae.rl, seqae.data and seqae.eval (pyproject's
package-dir); install the project (editable in development) to import them.
"""

__version__ = "0.1.0"


def __getattr__(name):
    # Lazy, so that `seqae evaluate` does not pay for importing torch and transformers.
    if name == "Summarizer":
        from seqae.apps.summarize import Summarizer

        return Summarizer
    raise AttributeError(name)
