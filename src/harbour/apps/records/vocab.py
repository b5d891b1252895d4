"""The words records use: kinds, parts, the four Cs, risk categories, statuses.

These names are shared with monitoring and reports (see DESIGN.md, "Names used everywhere").
"""

from __future__ import annotations

CONCERN, INCIDENT, ALLEGATION = "concern", "incident", "allegation"
KIND_CHOICES = [
    (CONCERN, "Safeguarding concern"),
    (INCIDENT, "Online-safety incident"),
    (ALLEGATION, "Allegation against staff"),
]

PART_CHOICES = [
    ("victim", "Victim / child at risk"),
    ("instigator", "Instigator (for an allegation: the member of staff)"),
    ("witness", "Witness"),
    ("reporter", "Reporter"),
]
PARTS = tuple(value for value, _ in PART_CHOICES)

FOUR_CS = [
    ("content", "Content"),
    ("contact", "Contact"),
    ("conduct", "Conduct"),
    ("commerce", "Commerce"),
]

RISK_CATEGORIES = [
    ("illegal", "Illegal content"),
    ("suicide", "Suicide"),
    ("self_harm", "Self harm"),
    ("bullying", "Bullying"),
    ("grooming", "Grooming / exploitation"),
    ("discrimination", "Discrimination"),
    ("drugs", "Drugs"),
    ("extremism", "Extremism"),
    ("gambling", "Gambling"),
    ("pornography", "Pornography"),
    ("violence", "Violence"),
]

SEVERITIES = [
    (1, "1 information"),
    (2, "2 low: note it"),
    (3, "3 concerning: DSL reviews within a school day"),
    (4, "4 serious: DSL today"),
    (5, "5 critical: contact the DSL at once"),
]

NEW, OPEN, CLOSED = "new", "open", "closed"
STATUS_CHOICES = [(NEW, "New"), (OPEN, "Open"), (CLOSED, "Closed")]
NEXT_STATUS = {NEW: OPEN, OPEN: CLOSED}

# Actions: pending until done or declined; declining a recommended action needs a reason.
PENDING, DONE, DECLINED = "pending", "done", "declined"
ACTION_STATUS_CHOICES = [(PENDING, "To do"), (DONE, "Done"), (DECLINED, "Not done (reason given)")]
OTHER_ACTION = "other"
REFERRAL_ACTIONS = frozenset({"refer-police", "refer-la-hr", "refer-headteacher"})
NO_ACCESS_ACTION = "remove-network-access"
TECHNICAL_ACTION = "refer-technical-staff"

EVIDENCE_KINDS = [("url", "Web address"), ("screenshot", "Screenshot"), ("file", "File")]
CUSTODY_ACTIONS = [
    ("added", "Added"),
    ("accessed", "Accessed"),
    ("downloaded", "Downloaded"),
    ("exported", "Exported"),
    ("handed-over", "Handed over"),
]
