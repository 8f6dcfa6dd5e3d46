"""seqae: unsupervised summarization as a seq2seq2seq auto-encoder (generator -> words -> reconstructor),
with a discriminator for readability, trained by policy gradient."""

import os as _os

# In a source checkout run without installing, the subpackages rl/, data/ and eval/ sit beside this
# directory; installed, setuptools' package-dir puts them inside it as seqae.rl, seqae.data, seqae.eval.
_here = _os.path.dirname(_os.path.abspath(__file__))
if not _os.path.isdir(_os.path.join(_here, "rl")):
    _root = _os.path.dirname(_here)
    if all(_os.path.isdir(_os.path.join(_root, name)) for name in ("rl", "data", "eval")):
        __path__.append(_root)  # noqa: F821 - __path__ is defined for packages

__version__ = "0.1.0"


def __getattr__(name):
    # Lazy, so that `seqae evaluate` does not pay for importing torch and transformers.
    if name == "Summarizer":
        from seqae.summarize import Summarizer

        return Summarizer
    raise AttributeError(name)
