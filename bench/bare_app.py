"""The baseline: a bare Flask JSON route, served by ``deploy/gunicorn.conf.py`` like the APIs."""

from typing import Any

from flask import Flask, request

app = Flask(__name__)


@app.post("/rentals")
def rentals() -> tuple[dict[str, Any], int]:
    body = request.get_json(force=True)
    return {"id": "00000000-0000-0000-0000-000000000000", "echo": body}, 201
