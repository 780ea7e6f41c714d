"""Several broker nodes and several database hosts in one setting (the lab, issue 19)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from svckit.db import libpq_url, normalise_url
from svckit.messaging.publishers import PikaPublisher
from svckit.messaging.topology import broker_urls


def test_bus_url_lists_nodes_separated_by_semicolons() -> None:
    url = "amqp://g:g@127.0.0.1:1//;amqp://g:g@127.0.0.1:2//; amqp://g:g@127.0.0.1:3//"
    assert broker_urls(url) == ["amqp://g:g@127.0.0.1:1//", "amqp://g:g@127.0.0.1:2//",
                                "amqp://g:g@127.0.0.1:3//"]
    assert broker_urls("amqp://h//") == ["amqp://h//"]


def test_publisher_moves_to_the_next_node_when_one_is_refused() -> None:
    # two closed ports: each failed open moves the publisher on to the next node
    # two closed ports: each failed open moves the publisher on to the next node, and a
    # new publisher (the relay makes one after a failure) goes on from there
    url = "amqp://g:g@127.0.0.1:9//;amqp://g:g@127.0.0.1:7//"
    pub = PikaPublisher(url, connect_timeout=1)
    tried = []
    for i in range(4):
        if i == 2:
            pub = PikaPublisher(url, connect_timeout=1)
        tried.append(pub.nodes.current)
        try:
            pub.publish([])
        except ConnectionError:
            pass
    assert tried[0] != tried[1] and tried[2] == tried[0] and tried[3] == tried[1]
    assert sorted(tried[:2]) == sorted(broker_urls(url))


def test_multi_host_database_url_reaches_sqlalchemy_and_libpq() -> None:
    url = "postgresql://app:p%40ss@10.0.0.1:5433,10.0.0.2:5434/inv?target_session_attrs=read-write"
    normal = normalise_url(url)
    assert normal == ("postgresql+psycopg://app:p%40ss@/inv?host=10.0.0.1:5433"
                      "&host=10.0.0.2:5434&target_session_attrs=read-write")
    parsed = make_url(normal)
    assert parsed.query["host"] == ("10.0.0.1:5433", "10.0.0.2:5434")
    assert libpq_url(parsed) == url
    single = "postgresql://app@db:5432/inv"
    assert normalise_url(single) == "postgresql+psycopg://app@db:5432/inv"
    assert libpq_url(make_url(normalise_url(single))) == single


def test_an_unreachable_database_is_told_apart_from_a_refused_statement(pg_url: str) -> None:
    import socket

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from svckit.db import database_unavailable, make_engine

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = make_engine(f"postgresql://postgres@127.0.0.1:{port}/x?connect_timeout=2")
    up = make_engine(pg_url)
    try:
        with pytest.raises(DBAPIError) as refused, down.connect():
            pass
        assert database_unavailable(refused.value)
        with pytest.raises(DBAPIError) as bad, up.connect() as conn:
            conn.execute(text("SELECT 1/0"))
        assert not database_unavailable(bad.value)  # the statement's fault: counted
    finally:
        up.dispose()
        down.dispose()
