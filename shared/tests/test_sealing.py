"""Personal fields sealed for the broker (ADR 0013): what the outbox and the broker carry
is ciphertext; a consumer holding the key loads the clear value; rotation keeps old
messages readable; a tampered or foreign value is refused, never passed on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from svckit.events import sealing
from svckit.events.catalogue import InvalidEvent, load_all
from svckit.events.sealing import Keyring, SealError

ADDRESS = "聊城市东昌府区古楼街道光岳路12号3单元501"


@pytest.fixture
def ring() -> Iterator[Keyring]:
    ring = Keyring.parse(f"k1={Fernet.generate_key().decode()}")
    sealing.configure(ring)
    yield ring
    sealing.configure(None)


def _delivery() -> dict[str, object]:
    return {
        "source": {"service": "inventory", "kind": "rental_delivery", "id": "r-1"},
        "division_code": "371502", "address": ADDRESS, "contact_name": "王某",
        "contact_phone": "138****5678",
        "window_start": datetime(2026, 12, 8, 1, tzinfo=UTC),
        "window_end": datetime(2026, 12, 10, 1, tzinfo=UTC),
        "summary": "送轮椅", "rental_id": "8f0c1b7e-51a4-4c55-9d1b-3a1e5d1f0a11",
        "reservation_id": None, "station_id": "8f0c1b7e-51a4-4c55-9d1b-3a1e5d1f0a12",
        "asset_tag": "LC-WC-001",
    }


def test_the_address_travels_sealed_and_loads_clear(ring: Keyring) -> None:
    cat = load_all()
    spec, data = cat.serialise("rental.delivery_requested", None, _delivery())
    assert ADDRESS not in str(data) and "古楼" not in str(data)
    assert str(data["address"]).startswith("k1.")
    assert cat.load(spec.type, spec.version, data)["address"] == ADDRESS


def test_rotation_new_key_first_old_messages_still_open() -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old = Keyring.parse(f"k1={old_key}")
    sealed_before = old.seal(ADDRESS)
    rotated = Keyring.parse(f"k2={new_key},k1={old_key}")
    assert rotated.open(sealed_before) == ADDRESS
    assert rotated.seal(ADDRESS).startswith("k2.")
    with pytest.raises(SealError):
        Keyring.parse(f"k2={new_key}").open(sealed_before)  # k1 dropped: cannot open


def test_tampered_foreign_or_clear_values_are_refused(ring: Keyring) -> None:
    sealed = ring.seal(ADDRESS)
    with pytest.raises(SealError):
        ring.open(sealed[:-4] + "AAAA")
    with pytest.raises(SealError):
        ring.open(ADDRESS)  # a clear value is not accepted as sealed
    cat = load_all()
    spec, data = cat.serialise("rental.delivery_requested", None, _delivery())
    with pytest.raises(InvalidEvent):
        cat.load(spec.type, spec.version, {**data, "address": ADDRESS})


def test_processes_of_one_var_dir_share_the_development_key(tmp_path: Path) -> None:
    first = sealing.dev_keyring(tmp_path)
    second = sealing.dev_keyring(tmp_path)
    assert second.open(first.seal(ADDRESS)) == ADDRESS
    assert (tmp_path / "dev-event-keys").stat().st_mode & 0o077 == 0
    with pytest.raises(SealError):
        sealing.dev_keyring(tmp_path / "other").open(first.seal(ADDRESS))


def test_bad_key_specs_are_refused() -> None:
    for spec in ("", "nokey", "a.b=x"):
        with pytest.raises(ValueError):
            Keyring.parse(spec)
