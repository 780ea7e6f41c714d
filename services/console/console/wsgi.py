"""``gunicorn console.wsgi:app``"""

from svckit import logs
from svckit.config import PlatformSettings

from console.app import create_app

_platform = PlatformSettings()
logs.configure("console", _platform.log_level, _platform.log_json)
app = create_app()
