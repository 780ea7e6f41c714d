"""``python -m renovation <command>``: see :mod:`svckit.cli`."""

import sys

from svckit.cli import main

from renovation.service import definition

sys.exit(main(definition))
