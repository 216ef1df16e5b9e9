"""The demo offices and users of the quick start. Every password is ``nextens-demo``."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "nextens-demo"  # noqa: S105 - the documented demo password


@dataclass(frozen=True, slots=True)
class DemoOffice:
    id: str
    name: str
    group: str


@dataclass(frozen=True, slots=True)
class DemoUser:
    id: str
    username: str
    display_name: str
    office_id: str
    manages_users: bool


OFFICES = (
    DemoOffice("amsterdam", "Kantoor Amsterdam", group="noord-west"),
    DemoOffice("utrecht", "Kantoor Utrecht", group="noord-west"),
    DemoOffice("rotterdam", "Kantoor Rotterdam", group="rotterdam"),
)

USERS = (
    DemoUser("anna", "anna", "Anna de Vries", "amsterdam", manages_users=True),
    DemoUser("bram", "bram", "Bram Jansen", "amsterdam", manages_users=False),
    DemoUser("uma", "uma", "Uma Bakker", "utrecht", manages_users=True),
    DemoUser("victor", "victor", "Victor Smit", "utrecht", manages_users=False),
    DemoUser("ruben", "ruben", "Ruben Visser", "rotterdam", manages_users=True),
    DemoUser("rosa", "rosa", "Rosa Mulder", "rotterdam", manages_users=False),
)

# Offices with two-step verification switched on when the demo data is created.
ACTIVE_AT_START = ("rotterdam",)
