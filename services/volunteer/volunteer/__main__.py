"""``python -m volunteer <command>``: see :mod:`svckit.cli`."""

import sys

from svckit.cli import main

from volunteer.service import definition

sys.exit(main(definition))
