"""`python -m seqae` is the `seqae` console script."""

import sys

from seqae.cli import main

sys.exit(main())
