"""``python -m mfverify``: the same command line as the ``mfverify`` script."""

import sys

from .cli import main

sys.exit(main())
