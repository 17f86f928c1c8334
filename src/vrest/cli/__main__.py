"""Allow `python -m vrest.cli`."""

import sys

from vrest.cli import main

sys.exit(main())
