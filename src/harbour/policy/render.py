"""Render the policy file back into the appendices staff, parents and governors read."""

from __future__ import annotations

import html
from collections.abc import Iterator

from harbour.policy.model import (
    ACTION_TITLES,
    ALL_SELECTOR,
    LEVEL_TITLES,
    PUPILS_SELECTOR,
    SANCTION_ACTIONS,
    Level,
    LevelSpec,
    Policy,
)

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows

_DEVICE_TITLES = {
    "school-single-user": "School device, single user",
    "school-multi-user": "School device, multiple users",
    "authorised-device": "Authorised device",
    "pupil-owned": "Pupil owned",
    "staff-owned": "Staff owned",
    "visitor-owned": "Visitor owned",
}
_NETWORK_TITLES = {"full": "Full network access", "internet-only": "Internet only", "none": "No network access"}


def _who(policy: Policy, selector: str) -> str:
    if selector == ALL_SELECTOR:
        return "Everyone"
    if selector == PUPILS_SELECTOR:
        return "Pupils"
    group = policy.groups.get(selector)
    return group.title or selector if group else selector


def _cell_note(policy: Policy, selector: str, spec: LevelSpec) -> str:
    who = _who(policy, selector)
    if spec.level is Level.AT_CERTAIN_TIMES:
        spans = "; ".join(f"{w} ({', '.join(policy.times.get(w, []))})" for w in spec.times)
        return f"{who}: {spans}"
    if spec.level is Level.NOMINATED_USERS:
        named = ", ".join(_who(policy, g) for g in spec.users) or "none"
        return f"{who}: {named}"
    return who


def user_actions(policy: Policy) -> Table:
    """The SWGfL User Actions matrix: one row per activity, the five level columns."""
    header = ["User actions", "Lists", *[LEVEL_TITLES[level] for level in Level]]
    rows = []
    for name, activity in policy.activities.items():
        columns: dict[Level, list[str]] = {level: [] for level in Level}
        for selector, spec in activity.levels.items():
            columns[spec.level].append(_cell_note(policy, selector, spec))
        rows.append(
            [activity.title or name, ", ".join(activity.lists)]
            + ["; ".join(columns[level]) for level in Level]
        )
    rows.append(["Anything not listed above", "", "Everyone", "", "", "", ""])
    return "User actions", header, rows


def device_matrix(policy: Policy) -> Table:
    """Which devices are allowed in school and what network access they get."""
    types = list(policy.devices)
    header = ["", *[_DEVICE_TITLES.get(t, t) for t in types]]
    rows = [
        ["Allowed in school", *["Yes" if policy.devices[t].allowed_in_school else "No" for t in types]],
        *[
            [title, *["Yes" if policy.devices[t].network == key else "" for t in types]]
            for key, title in _NETWORK_TITLES.items()
        ],
    ]
    notes = [f"{_DEVICE_TITLES.get(t, t)}: {policy.devices[t].note}" for t in types if policy.devices[t].note]
    if notes:
        rows.append(["Notes", "; ".join(notes), *[""] * (len(types) - 1)])
    return "Device access", header, rows


def sanctions_matrix(policy: Policy, who: str) -> Table:
    """Incident types against the actions the school takes, for pupils or for staff."""
    table = policy.sanctions.pupils if who == "pupils" else policy.sanctions.staff
    used = [a for a in SANCTION_ACTIONS if any(a in row.actions for row in table.values())]
    header = ["Incident", *[ACTION_TITLES[a] for a in used]]
    rows = [[row.title, *["X" if a in row.actions else "" for a in used]] for row in table.values()]
    return f"Actions and sanctions: {who}", header, rows


def training_schedule(policy: Policy) -> Table:
    """Who must be trained, when and how often."""
    header = ["Training", "Who", "At induction", "Repeated"]
    rows = []
    for name, req in policy.training.items():
        repeat = ""
        if req.every_months:
            repeat = "every year" if req.every_months == 12 else f"every {req.every_months} months"
        rows.append([req.title or name, ", ".join(req.roles), "Yes" if req.at_induction else "", repeat])
    return "Training", header, rows


def acceptable_use(policy: Policy) -> Table:
    """Acceptable use agreements by audience."""
    header = ["Agreement", "Audience", "Version", "Groups", "Renewed"]
    rows = [
        [a.title, a.audience, a.version, ", ".join(a.groups),
         f"every {a.renew_months} months" if a.renew_months else "on each new version"]
        for a in policy.acceptable_use.values()
    ]
    return "Acceptable use agreements", header, rows


def tables(policy: Policy) -> list[Table]:
    """Every appendix, in the order the policy document prints them."""
    return [
        user_actions(policy),
        device_matrix(policy),
        sanctions_matrix(policy, "pupils"),
        sanctions_matrix(policy, "staff"),
        training_schedule(policy),
        acceptable_use(policy),
    ]


def _md_escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def _markdown(policy: Policy) -> Iterator[str]:
    yield f"# {policy.school.name}: Online Safety Policy appendices"
    yield ""
    yield f"Policy version `{policy.version}`, timezone {policy.school.timezone}."
    if policy.school.policy_review_due:
        yield f"Next review due {policy.school.policy_review_due:%d %B %Y}."
    for title, header, rows in tables(policy):
        yield ""
        yield f"## {title}"
        yield ""
        yield "| " + " | ".join(_md_escape(h) for h in header) + " |"
        yield "|" + "---|" * len(header)
        for row in rows:
            yield "| " + " | ".join(_md_escape(c) for c in row) + " |"


def render_markdown(policy: Policy) -> str:
    """The appendices as Markdown."""
    return "\n".join(_markdown(policy)) + "\n"


def render_html_fragment(policy: Policy) -> str:
    """The appendices as an HTML fragment (sections and tables), for embedding in a page."""
    parts = [f"<p class=\"policy-version\">Policy version <code>{policy.version}</code></p>"]
    for title, header, rows in tables(policy):
        parts.append(f"<section><h2>{html.escape(title)}</h2><table><thead><tr>")
        parts.extend(f"<th>{html.escape(h)}</th>" for h in header)
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table></section>")
    return "\n".join(parts)


def render_html(policy: Policy) -> str:
    """A standalone HTML document of the appendices."""
    title = html.escape(f"{policy.school.name}: Online Safety Policy appendices")
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:80em}"
        "table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #999;padding:.3em .5em;vertical-align:top;font-size:.9em}"
        "th{background:#eef}"
    )
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
        f"<style>{style}</style></head><body><h1>{title}</h1>\n{render_html_fragment(policy)}\n</body></html>\n"
    )
