"""Signed links (svckit.links): a token is short, opens only for its purpose and the one it
is bound to, before its expiry, with any of the keys; a tampered one is nobody's."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from svckit.links import (
    TOKEN_LENGTH,
    LinkError,
    LinkExpired,
    LinkKeys,
    dev_link_keys,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
KEYS = LinkKeys.parse("k1=" + "s" * 32)


def test_a_token_round_trips_short_and_bound() -> None:
    task, volunteer = uuid.uuid4(), str(uuid.uuid4())
    token = KEYS.make("offer-link", task, NOW + timedelta(hours=2), bound_to=volunteer)
    assert len(token) == TOKEN_LENGTH == 38
    assert token.replace("-", "").replace("_", "").isalnum()
    signed = KEYS.read("offer-link", token, now=NOW, bound_to=volunteer)
    assert signed.subject == task and signed.expires_at == NOW + timedelta(hours=2)
    assert volunteer not in token


def test_another_binding_purpose_or_key_is_refused_alike() -> None:
    task, volunteer = uuid.uuid4(), str(uuid.uuid4())
    token = KEYS.make("offer-link", task, NOW + timedelta(hours=2), bound_to=volunteer)
    with pytest.raises(LinkError) as other_volunteer:
        KEYS.read("offer-link", token, now=NOW, bound_to=str(uuid.uuid4()))
    assert type(other_volunteer.value) is LinkError  # not "expired": nothing told
    with pytest.raises(LinkError):
        KEYS.read("site:inventory:rental", token, now=NOW, bound_to=volunteer)
    with pytest.raises(LinkError):
        LinkKeys.parse("k9=" + "t" * 32).read("offer-link", token, now=NOW, bound_to=volunteer)


def test_tampered_or_malformed_tokens_are_refused() -> None:
    task, volunteer = uuid.uuid4(), str(uuid.uuid4())
    token = KEYS.make("offer-link", task, NOW + timedelta(hours=2), bound_to=volunteer)
    raw = bytearray(base64.urlsafe_b64decode(token + "=="))
    for i in (0, 17, 20, len(raw) - 1):  # the subject, the expiry, the tag
        bad = bytearray(raw)
        bad[i] ^= 1
        forged = base64.urlsafe_b64encode(bytes(bad)).rstrip(b"=").decode()
        with pytest.raises(LinkError):
            KEYS.read("offer-link", forged, now=NOW, bound_to=volunteer)
    # one token, one spelling: the last character's spare bits are no second token
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = [token[:-1] + c for c in alphabet if c != token[-1]]
    assert len(respelled) == 63
    for other in respelled:
        with pytest.raises(LinkError):
            KEYS.read("offer-link", other, now=NOW, bound_to=volunteer)
    for junk in ("", token[:-1], token + "A", "!" * TOKEN_LENGTH, "\u4e00" * TOKEN_LENGTH):
        with pytest.raises(LinkError):
            KEYS.read("offer-link", junk, now=NOW, bound_to=volunteer)


def test_expiry_is_told_only_for_a_genuine_token() -> None:
    task = uuid.uuid4()
    token = KEYS.make("offer-link", task, NOW + timedelta(hours=2), bound_to="v")
    assert KEYS.read("offer-link", token, now=NOW + timedelta(hours=1, minutes=59),
                     bound_to="v").subject == task
    with pytest.raises(LinkExpired):
        KEYS.read("offer-link", token, now=NOW + timedelta(hours=2), bound_to="v")


def test_rotation_old_key_still_verifies_new_one_signs() -> None:
    old = LinkKeys.parse("k1=" + "s" * 32)
    rotated = LinkKeys.parse(f"k2={'n' * 32},k1={'s' * 32}")
    task = uuid.uuid4()
    assert rotated.read("p", old.make("p", task), now=NOW).subject == task
    with pytest.raises(LinkError):
        old.read("p", rotated.make("p", task), now=NOW)
    with pytest.raises(ValueError):
        LinkKeys.parse("k1=short")
    with pytest.raises(ValueError):
        LinkKeys.parse("no-equals-sign")


def test_site_codes_name_their_cause_and_never_expire() -> None:
    rental = uuid.uuid4()
    code = KEYS.site_code("inventory:rental", rental)
    assert code.startswith("r") and len(code) == TOKEN_LENGTH + 1
    assert KEYS.read_site_code(code, now=NOW + timedelta(days=3650)) == f"inventory:rental:{rental}"
    application = uuid.uuid4()
    code = KEYS.site_code("renovation:application", application)
    assert KEYS.read_site_code(code, now=NOW) == f"renovation:application:{application}"
    # the letter is part of what is signed: a rental's code is not an application's
    with pytest.raises(LinkError):
        KEYS.read_site_code("r" + code[1:], now=NOW)
    with pytest.raises(LinkError):
        KEYS.read_site_code("x" + code[1:], now=NOW)
    # an offer token is no site code
    offer = KEYS.make("offer-link", rental, NOW + timedelta(hours=1))
    with pytest.raises(LinkError):
        KEYS.read_site_code("r" + offer, now=NOW)


def test_the_dev_key_is_shared_by_one_var_dir(tmp_path: Path) -> None:
    a, b = dev_link_keys(tmp_path), dev_link_keys(tmp_path)
    task = uuid.uuid4()
    assert b.read("p", a.make("p", task), now=NOW).subject == task
    assert (tmp_path / "dev-link-keys").stat().st_mode & 0o077 == 0
    with pytest.raises(LinkError):
        dev_link_keys(tmp_path / "other").read("p", a.make("p", task), now=NOW)
