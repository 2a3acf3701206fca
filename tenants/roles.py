"""The roles a membership can carry, and which binding each role needs."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(str, enum.Enum):
    """A user's role inside one tenant (the platform administrator is a flag on the user)."""

    BUREAU_ADMIN = "bureau_admin"
    BUREAU_STAFF = "bureau_staff"
    AREA_OFFICER = "area_officer"
    FIRM_STAFF = "firm_staff"
    COMMITTEE_MEMBER = "committee_member"
    OWNER = "owner"

    @property
    def label(self):
        return ROLE_LABELS[self]

    @property
    def binding(self) -> str | None:
        """Which registry object the membership must be bound to: 'area', 'firm', 'community' or None."""
        return ROLE_BINDINGS.get(self)


ROLE_LABELS = {
    Role.BUREAU_ADMIN: _l("Bureau administrator"),
    Role.BUREAU_STAFF: _l("Bureau staff"),
    Role.AREA_OFFICER: _l("Street/community officer"),
    Role.FIRM_STAFF: _l("Property firm staff"),
    Role.COMMITTEE_MEMBER: _l("Owners' committee member"),
    Role.OWNER: _l("Owner"),
}

ROLE_BINDINGS = {
    Role.AREA_OFFICER: "area",
    Role.FIRM_STAFF: "firm",
    Role.COMMITTEE_MEMBER: "community",
}

PLATFORM_ADMIN = "platform_admin"
