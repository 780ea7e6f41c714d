"""``python -m identity <command>``: see :mod:`svckit.cli`."""

import sys

from svckit.cli import main

from identity.service import definition

sys.exit(main(definition))
