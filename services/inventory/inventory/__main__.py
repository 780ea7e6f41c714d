"""``python -m inventory <command>``: see :mod:`svckit.cli`."""

import sys

from svckit.cli import main

from inventory.service import definition

sys.exit(main(definition))
