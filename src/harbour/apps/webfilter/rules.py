"""What the policy and the filtering engine say about a site or a category, in plain words.

The web application asks the same engine the gateways use (over the data dir's snapshot and
compiled lists), so a request for something in the locked tier is refused exactly when the
gateways would refuse to unblock it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from harbour.filtering import EngineError, FilterEngine, Reason, UrlError, Who, normalise_host
from harbour.filtering.urlnorm import normalise_url
from harbour.paths import data_dir, policy_snapshot_path
from harbour.policy.model import Level, Policy

_engines: dict[Path, FilterEngine] = {}
_lock = threading.Lock()


def filter_engine() -> FilterEngine:
    """The engine over this data dir (opened once per process, reloaded when files change).
    Writes the snapshot first if there is none yet."""
    root = data_dir()
    with _lock:
        engine = _engines.get(root)
        if engine is None:
            if not policy_snapshot_path().exists():
                from harbour.apps.policies.service import write_gateway_snapshot

                write_gateway_snapshot()
            engine = _engines[root] = FilterEngine.open(root)
    engine.maybe_reload(force=True)
    return engine


def clean_domain(text: str) -> str:
    """A site as staff type it (``www.example.org``, a full URL, upper case) as a domain;
    raises ValueError with a message for the user."""
    text = text.strip()
    if not text:
        raise ValueError("enter the site's address, e.g. www.example.org")
    try:
        host = normalise_url(text).host if "/" in text else normalise_host(text)
    except UrlError as exc:
        raise ValueError(f"{text!r} is not a web address: {exc}") from None
    if "." not in host:
        raise ValueError(f"{text!r} is not a full site address, e.g. www.example.org")
    return host


def is_locked(target_kind: str, target: str) -> bool:
    """True when a domain or category is in the locked tier (illegal-content feeds)."""
    try:
        engine = filter_engine()
    except EngineError:
        engine = None
    if target_kind == "category":
        locked = set(engine.matcher.locked_categories) if engine else set()
        if engine:
            locked |= set(engine.policy.locked.lists)
        return target in locked
    if engine is None:
        raise EngineError("the filtering engine is not set up: adopt a policy first")
    everyone = Who(groups=frozenset(engine.policy.groups))
    return engine.decide_host(everyone, target).reason_code == Reason.LOCKED


def requestable_categories(policy: Policy) -> list[tuple[str, str]]:
    """Categories staff may ask to unblock: those the matrix names, locked lists excluded,
    as (category, "category - activity title")."""
    locked = set(policy.locked.lists)
    seen: dict[str, str] = {}
    for name, activity in policy.activities.items():
        for category in activity.lists:
            if category not in locked and category not in seen:
                seen[category] = f"{category} - {activity.title or name}"
    return sorted(seen.items())


@dataclass(frozen=True)
class Explanation:
    """The block page's words for one blocked request."""

    title: str  # what kind of thing it is: the activity title, or the school's list title
    words: str  # why, for a pupil
    locked: bool = False
    can_request: bool = True


LOCKED_WORDS = (
    "This page is on a national list of content that is against the law to show. It is always "
    "blocked, for everyone, and it cannot be unblocked. You are not in trouble for seeing this "
    "message. If something online has worried or upset you, please tell a teacher or an adult "
    "you trust."
)
_LEVEL_WORDS = {
    Level.UNACCEPTABLE: "Your school's online safety policy does not allow this in school.",
    Level.UNACCEPTABLE_ILLEGAL: LOCKED_WORDS,
    Level.NOMINATED_USERS: "Your school only allows this for some people it has chosen.",
    Level.ACCEPTABLE: "Your school allows this, but something else stopped it.",
}


def explain(policy: Policy, rule: str, category: str) -> Explanation:
    """Explain a block from the rule the gateway reported (``activities.NAME:GROUP``,
    ``locked.LIST``, ``local_lists.NAME``) or, failing that, the category. Words come from
    the policy, never from the address bar, so a crafted link cannot put words on the page."""
    kind, _, rest = rule.partition(".")
    if kind == "locked" or category in policy.locked.lists:
        return Explanation(policy.locked.title, LOCKED_WORDS, locked=True, can_request=False)
    if kind == "activities":
        name, _, selector = rest.partition(":")
        activity = policy.activities.get(name)
        if activity is not None:
            return Explanation(activity.title or name, _level_words(policy, name, selector))
    if kind == "local_lists" and rest in policy.local_lists:
        title = policy.local_lists[rest].title or rest
        return Explanation(title, "Your school has chosen to block this site.")
    for name, activity in policy.activities.items():
        if category and category in activity.lists:
            return Explanation(activity.title or name, _level_words(policy, name, ""))
    return Explanation(
        "Blocked by the school's filter", "Your school's online safety policy blocks this here."
    )


def _level_words(policy: Policy, activity: str, selector: str) -> str:
    spec = policy.activities[activity].levels.get(selector)
    if spec is None:
        return _LEVEL_WORDS[Level.UNACCEPTABLE]
    if spec.level is Level.AT_CERTAIN_TIMES:
        return (
            "Your school only allows this at certain times: "
            + ", ".join(w.replace("-", " ") for w in spec.times)
            + "."
        )
    return _LEVEL_WORDS.get(spec.level, _LEVEL_WORDS[Level.UNACCEPTABLE])
