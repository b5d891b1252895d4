"""Time-based one-time passwords (RFC 6238) for the safeguarding roles."""

from __future__ import annotations

import time

import pyotp

from harbour.apps.accounts.models import Profile

ISSUER = "Harbour"


def ensure_secret(profile: Profile) -> str:
    """Give the profile a secret if it has none; return it."""
    if not profile.totp_secret:
        profile.totp_secret = pyotp.random_base32()
        profile.save(update_fields=["totp_secret"])
    return profile.totp_secret


def provisioning_uri(profile: Profile) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(ensure_secret(profile)).provisioning_uri(
        name=profile.user.username, issuer_name=ISSUER
    )


def check_code(profile: Profile, code: str) -> bool:
    """Accept a current code (one step of clock drift either way), each code once only."""
    code = "".join(ch for ch in code if ch.isdigit())
    if not profile.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(profile.totp_secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > profile.last_totp_step and totp.at(step * totp.interval) == code:
            profile.last_totp_step = step
            profile.totp_confirmed = True
            profile.save(update_fields=["last_totp_step", "totp_confirmed"])
            return True
    return False
