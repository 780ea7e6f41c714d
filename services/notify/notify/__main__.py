"""``python -m notify <command>``: see :mod:`svckit.cli`."""

import sys

from svckit.cli import main

from notify.service import definition

sys.exit(main(definition))
