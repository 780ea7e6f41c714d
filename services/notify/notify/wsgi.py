"""The WSGI app for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py notify.wsgi:app``."""

from svckit import logs
from svckit.service import ServiceContext

from notify.service import definition

context = ServiceContext(definition)
logs.configure(definition.name, context.config.platform.log_level, context.config.platform.log_json)
app = context.create_app()
