"""Which address failed logins count against, behind the console or a load balancer."""

from __future__ import annotations

from identity.config import IdentitySettings


def test_a_direct_caller_is_its_peer_address_whatever_it_claims() -> None:
    s = IdentitySettings(trusted_proxies=["10.0.0.0/8"])
    assert s.client_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_a_trusted_proxy_names_the_client_in_its_last_hop() -> None:
    s = IdentitySettings(trusted_proxies=["10.0.0.0/8", "127.0.0.1/32"])
    assert s.client_of("10.1.2.3", "198.51.100.9, 192.0.2.4") == "192.0.2.4"
    assert s.client_of("127.0.0.1", "192.0.2.5") == "192.0.2.5"


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert IdentitySettings().client_of("127.0.0.1", "192.0.2.5") == "127.0.0.1"
    assert IdentitySettings().client_of(None, None) == "unknown"
