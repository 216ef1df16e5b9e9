"""The address the per-address limits count: an IPv6 client by its /64."""

from __future__ import annotations

import pytest

from nextens_guard.http import address_key


def test_every_address_of_an_ipv6_64_counts_as_one() -> None:
    keys = {address_key(a) for a in ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ee:dd:cc")}
    assert keys == {"2001:db8:1:2::/64"}
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        ("2001:db8:1:2::/64", "2001:db8:1:2::/64"),
    ],
)
def test_ipv4_stays_itself_and_a_name_or_a_key_is_kept(address: str, key: str) -> None:
    assert address_key(address) == key
