"""The policy file's schema: every table of a school's Online Safety Policy.

Structure is checked here (types, unknown keys, enumerations); references between tables
(groups, windows, lists) are checked in :mod:`harbour.policy.references` so that every
mistake in a file is reported in one run.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harbour.policy.windows import Span, parse_span


class Strict(BaseModel):
    """Base for every policy table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(StrEnum):
    """The five columns of the SWGfL User Actions matrix."""

    ACCEPTABLE = "acceptable"
    AT_CERTAIN_TIMES = "at-certain-times"
    NOMINATED_USERS = "nominated-users"
    UNACCEPTABLE = "unacceptable"
    UNACCEPTABLE_ILLEGAL = "unacceptable-illegal"


LEVEL_TITLES = {
    Level.ACCEPTABLE: "Acceptable",
    Level.AT_CERTAIN_TIMES: "Acceptable at certain times",
    Level.NOMINATED_USERS: "Acceptable for nominated users",
    Level.UNACCEPTABLE: "Unacceptable",
    Level.UNACCEPTABLE_ILLEGAL: "Unacceptable and illegal",
}

GroupKind = Literal["pupil", "staff", "visitor", "governor"]
Role = Literal["dsl", "deputy-dsl", "headteacher", "it-technician", "staff", "governor"]
ROLES: tuple[str, ...] = ("dsl", "deputy-dsl", "headteacher", "it-technician", "staff", "governor")

# Selectors an activity row may use besides group names.
ALL_SELECTOR = "all"
PUPILS_SELECTOR = "pupils"


class School(Strict):
    name: str
    timezone: str = "Europe/London"
    policy_approved: date | None = None
    policy_review_due: date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class Group(Strict):
    """A filtering group. Membership of non-nominated groups comes from the directory."""

    kind: GroupKind
    title: str = ""
    years: list[int] = Field(default_factory=list)
    nominated: bool = False

    @field_validator("years")
    @classmethod
    def _school_years(cls, value: list[int]) -> list[int]:
        for year in value:
            if not -1 <= year <= 13:
                raise ValueError(f"year {year} is not a school year (-1 nursery, 0 reception, 1..13)")
        return value


class LevelSpec(Strict):
    """One cell of the User Actions matrix."""

    level: Level
    times: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _qualifiers_match_level(self) -> LevelSpec:
        if self.level is Level.AT_CERTAIN_TIMES and not self.times:
            raise ValueError("'at-certain-times' needs 'times', the windows when it is allowed")
        if self.level is not Level.AT_CERTAIN_TIMES and self.times:
            raise ValueError(f"'times' only applies to 'at-certain-times', not {self.level.value!r}")
        if self.level is not Level.NOMINATED_USERS and self.users:
            raise ValueError(f"'users' only applies to 'nominated-users', not {self.level.value!r}")
        return self


class Activity(Strict):
    """One row of the User Actions matrix: an activity, its lists and a level per group."""

    title: str = ""
    lists: list[str] = Field(default_factory=list)
    levels: dict[str, LevelSpec] = Field(default_factory=dict)


class Locked(Strict):
    """The illegal-content tier: lists no row, override or administrator can allow."""

    lists: list[str] = Field(default_factory=list)
    title: str = "Illegal content (IWF / CTIRU)"


class LocalList(Strict):
    """A school's own list, kept in the policy file: blocks, or allows past category lists."""

    title: str = ""
    usage: Literal["block", "allow"] = "block"
    domains: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)


class Network(Strict):
    """An address range and the filtering group its clients fall into."""

    cidr: str
    group: str
    title: str = ""
    device_type: str | None = None


SafeSearchMode = Literal["strict", "moderate"]


class Filtering(Strict):
    safe_search: dict[str, SafeSearchMode] = Field(default_factory=dict)
    block_response: Literal["blockpage", "nxdomain"] = "blockpage"
    require_current_aup: bool = False
    no_aup_group: str | None = None
    unknown_clients_group: str = "visitors"
    networks: list[Network] = Field(default_factory=list)


NetworkAccess = Literal["full", "internet-only", "none"]
DeviceType = Literal[
    "school-single-user",
    "school-multi-user",
    "authorised-device",
    "pupil-owned",
    "staff-owned",
    "visitor-owned",
]
DEVICE_TYPES: tuple[str, ...] = DeviceType.__args__  # type: ignore[attr-defined]


class DeviceRule(Strict):
    """One column of the device access matrix."""

    allowed_in_school: bool
    network: NetworkAccess
    note: str = ""


SanctionAction = Literal[
    "refer-class-teacher",
    "refer-head-of-year",
    "refer-line-manager",
    "refer-headteacher",
    "refer-police",
    "refer-la-hr",
    "refer-technical-staff",
    "inform-parents",
    "remove-network-access",
    "warning",
    "suspension",
    "disciplinary-action",
    "further-sanction",
]
SANCTION_ACTIONS: tuple[str, ...] = SanctionAction.__args__  # type: ignore[attr-defined]
ACTION_TITLES = {
    "refer-class-teacher": "Refer to class teacher",
    "refer-head-of-year": "Refer to head of year",
    "refer-line-manager": "Refer to line manager",
    "refer-headteacher": "Refer to headteacher",
    "refer-police": "Refer to police",
    "refer-la-hr": "Refer to local authority / HR",
    "refer-technical-staff": "Refer to technical staff (filtering / security)",
    "inform-parents": "Inform parents / carers",
    "remove-network-access": "Remove network / internet access",
    "warning": "Warning",
    "suspension": "Suspension",
    "disciplinary-action": "Disciplinary action",
    "further-sanction": "Further sanction",
}


class IncidentType(Strict):
    title: str
    actions: list[SanctionAction]
    illegal: bool = False


class Sanctions(Strict):
    pupils: dict[str, IncidentType] = Field(default_factory=dict)
    staff: dict[str, IncidentType] = Field(default_factory=dict)


class TrainingRequirement(Strict):
    """A training duty: who, at induction and/or every so many months."""

    title: str
    roles: list[Role]
    at_induction: bool = False
    every_months: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _has_a_schedule(self) -> TrainingRequirement:
        if not self.at_induction and self.every_months is None:
            raise ValueError("a requirement needs 'at_induction = true' or 'every_months'")
        return self


AupAudienceKind = Literal["staff", "pupils", "parents", "visitors", "community", "governors"]


class AcceptableUse(Strict):
    """An acceptable use agreement for one audience."""

    title: str
    audience: AupAudienceKind
    version: str
    groups: list[str] = Field(default_factory=list)
    renew_months: int | None = Field(default=None, ge=1, le=60)


class PostHolder(Strict):
    name: str
    email: str = ""
    phone: str = ""


class Posts(Strict):
    """Named post-holders, as printed in the policy."""

    dsl: list[PostHolder] = Field(default_factory=list)
    deputy_dsl: list[PostHolder] = Field(default_factory=list)
    headteacher: list[PostHolder] = Field(default_factory=list)
    online_safety_governor: list[PostHolder] = Field(default_factory=list)
    it_technician: list[PostHolder] = Field(default_factory=list)


class Monitoring(Strict):
    email_at_severity: int = Field(default=4, ge=1, le=5)
    contacts_at_severity: int = Field(default=5, ge=1, le=5)
    contacts: list[PostHolder] = Field(default_factory=list)
    webhook: str | None = None
    repeat_window_minutes: int = Field(default=60, ge=0)
    retention_days: int = Field(default=400, ge=30)
    ignore_terms: list[str] = Field(default_factory=list)
    extra_terms: dict[str, list[str]] = Field(default_factory=dict)


class Policy(Strict):
    """A whole school policy. ``version`` is derived from the file's bytes by the loader."""

    school: School
    groups: dict[str, Group]
    times: dict[str, list[str]] = Field(default_factory=dict)
    locked: Locked = Field(default_factory=Locked)
    local_lists: dict[str, LocalList] = Field(default_factory=dict)
    activities: dict[str, Activity] = Field(default_factory=dict)
    filtering: Filtering = Field(default_factory=Filtering)
    devices: dict[DeviceType, DeviceRule] = Field(default_factory=dict)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    training: dict[str, TrainingRequirement] = Field(default_factory=dict)
    acceptable_use: dict[str, AcceptableUse] = Field(default_factory=dict)
    posts: Posts = Field(default_factory=Posts)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    version: str = ""

    def spans(self, window: str) -> list[Span]:
        """The parsed spans of a named window."""
        return [parse_span(text) for text in self.times[window]]

    def zone(self) -> ZoneInfo:
        """The school's timezone."""
        return ZoneInfo(self.school.timezone)

    def groups_of_kind(self, kind: str) -> list[str]:
        """Names of the groups of one kind, in file order."""
        return [name for name, group in self.groups.items() if group.kind == kind]
