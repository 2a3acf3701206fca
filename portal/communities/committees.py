"""Owners' committees (业主委员会): term, filing with the street office, members — validated and audited."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import CommitteeMember, CommitteePosition, Community, OwnersCommittee
from portal.communities.services import PHONE_RE, RegistryError, _clean, _require_text
from portal.extensions import db

MAX_TERM_YEARS = 5
FILING_DUE_DAYS = 30  # 《物业管理条例》 art. 16: file within 30 days of the election
POSITION_ORDER = {CommitteePosition.DIRECTOR: 0, CommitteePosition.DEPUTY: 1, CommitteePosition.MEMBER: 2}


def committee_of(community_id: int) -> OwnersCommittee | None:
    return db.session.scalar(sa.select(OwnersCommittee).where(OwnersCommittee.community_id == community_id))


def filing_late(committee: OwnersCommittee | None) -> bool:
    """Filed more than 30 days after the term started (a warning, not an error)."""
    if committee is None or not committee.term_start or not committee.filing_date:
        return False
    return (committee.filing_date - committee.term_start).days > FILING_DUE_DAYS


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_committee_dates(term_start, term_end, filing_date) -> None:
    if term_start is None:
        raise RegistryError("term_start", _l("Enter the date the committee's term started."))
    if term_end is None:
        raise RegistryError("term_end", _l("Enter the date the committee's term ends."))
    if term_end <= term_start:
        raise RegistryError("term_end", _l("The term must end after it starts."))
    if term_end > _add_years(term_start, MAX_TERM_YEARS):
        raise RegistryError("term_end", _l("A committee's term is at most 5 years."))
    if filing_date is not None and filing_date < term_start:
        raise RegistryError("filing_date", _l("The filing date cannot be before the term started."))


def describe_committee(c: OwnersCommittee) -> dict:
    return {"community_id": c.community_id, "term_start": c.term_start, "term_end": c.term_end,
            "filing_date": c.filing_date, "filing_ref": c.filing_ref,
            "members": [describe_member(m) for m in c.members]}


def describe_member(m: CommitteeMember) -> dict:
    return {"name": m.name, "position": m.position.value, "phone": m.phone}


def save_committee(*, tenant, actor, community: Community, term_start, term_end, filing_date,
                   filing_ref: str = "") -> OwnersCommittee:
    """Create the community's committee or change its term and filing."""
    check_committee_dates(term_start, term_end, filing_date)
    committee = committee_of(community.id)
    before = describe_committee(committee) if committee is not None else None
    if committee is None:
        committee = OwnersCommittee(tenant_id=tenant.id, community_id=community.id)
        db.session.add(committee)
    committee.term_start, committee.term_end = term_start, term_end
    committee.filing_date, committee.filing_ref = filing_date, _clean(filing_ref)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="committee.created" if before is None else "committee.updated",
           object_type="owners_committee", object_id=committee.id, summary=community.name, before=before,
           after=describe_committee(committee))
    return committee


def _checked_member(name, position, phone) -> tuple[str, CommitteePosition, str]:
    name = _require_text("name", name, _l("Enter the member's name."))
    try:
        position = CommitteePosition(position)
    except ValueError:
        raise RegistryError("position", _l("Choose director, deputy director or member."))
    phone = _clean(phone)
    if phone and not PHONE_RE.match(phone):
        raise RegistryError("phone", _l("Enter a phone number of digits (dashes and spaces allowed), or leave it empty."))
    return name, position, phone


def _check_single_director(committee: OwnersCommittee, position: CommitteePosition, *, member_id=None) -> None:
    """A committee has one director (主任) at most: a second one would leave no one clearly in charge."""
    if position is not CommitteePosition.DIRECTOR:
        return
    # The committee row is locked so two administrators adding a director at once can't both pass.
    db.session.execute(sa.select(OwnersCommittee.id).where(OwnersCommittee.id == committee.id).with_for_update())
    director = db.session.scalar(sa.select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.position == CommitteePosition.DIRECTOR,
        CommitteeMember.id != (member_id or 0)))
    if director is not None:
        raise RegistryError("position", _l("The committee already has a director (%(name)s); change that member's "
                                           "position first.", name=director.name))


def add_committee_member(*, tenant, actor, committee: OwnersCommittee, name, position, phone="") -> CommitteeMember:
    name, position, phone = _checked_member(name, position, phone)
    _check_single_director(committee, position)
    member = CommitteeMember(tenant_id=tenant.id, committee_id=committee.id, name=name, position=position,
                             position_order=POSITION_ORDER[position], phone=phone)
    db.session.add(member)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="committee.member_added", object_type="committee_member",
           object_id=member.id, summary=name, after=describe_member(member))
    return member


def update_committee_member(*, tenant, actor, member: CommitteeMember, name, position, phone="") -> CommitteeMember:
    name, position, phone = _checked_member(name, position, phone)
    _check_single_director(db.session.get(OwnersCommittee, member.committee_id), position, member_id=member.id)
    before = describe_member(member)
    member.name, member.position, member.phone = name, position, phone
    member.position_order = POSITION_ORDER[position]
    db.session.flush()
    record(tenant=tenant, actor=actor, action="committee.member_updated", object_type="committee_member",
           object_id=member.id, summary=name, before=before, after=describe_member(member))
    return member


def remove_committee_member(*, tenant, actor, member: CommitteeMember, reason: str = "") -> None:
    before = describe_member(member)
    db.session.delete(member)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="committee.member_removed", object_type="committee_member",
           object_id=member.id, summary=before["name"], before=before, reason=reason)


def replace_committee(*, tenant, actor, community: Community, term_start, term_end, filing_date, filing_ref,
                      members: list[dict]) -> OwnersCommittee:
    """The API's whole-committee write: term, filing and the member list in one go (all or nothing)."""
    checked = []
    for index, m in enumerate(members):
        try:
            checked.append(_checked_member(m.get("name"), m.get("position"), m.get("phone")))
        except RegistryError as error:
            raise RegistryError(f"members.{index}.{error.field}", error.message)
    directors = [index for index, (_name, position, _phone) in enumerate(checked)
                 if position is CommitteePosition.DIRECTOR]
    if len(directors) > 1:
        raise RegistryError(f"members.{directors[1]}.position", _l("A committee has one director at most."))
    committee = save_committee(tenant=tenant, actor=actor, community=community, term_start=term_start,
                               term_end=term_end, filing_date=filing_date, filing_ref=filing_ref)
    before = [describe_member(m) for m in committee.members]
    for m in list(committee.members):
        committee.members.remove(m)
    db.session.flush()
    for name, position, phone in checked:
        committee.members.append(CommitteeMember(tenant_id=tenant.id, committee_id=committee.id, name=name,
                                                 position=position, position_order=POSITION_ORDER[position],
                                                 phone=phone))
    db.session.flush()
    record(tenant=tenant, actor=actor, action="committee.members_replaced", object_type="owners_committee",
           object_id=committee.id, summary=community.name, before=before,
           after=[describe_member(m) for m in committee.members])
    return committee
