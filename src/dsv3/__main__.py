"""``python -m dsv3``: the command line of :mod:`dsv3.cli`."""

import sys

from dsv3.cli import main

sys.exit(main())
