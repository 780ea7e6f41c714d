"""Make the service package (when not installed with ``pip install -e``) and the shared
test builders importable in any pytest import mode (importlib mode does not put test
folders on ``sys.path``)."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE), str(_HERE.parents[1])):  # tests/unit, services/inventory
    if _path not in sys.path:
        sys.path.insert(0, _path)
