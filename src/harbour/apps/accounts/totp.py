"""Time-based one-time passwords (RFC 6238) for the safeguarding roles."""

from __future__ import annotations

import time

import pyotp

from harbour.apps.accounts.models import Profile
from harbour.apps.accounts.sealing import UnsealError, is_sealed, seal, unseal

ISSUER = "Harbour"


def ensure_secret(profile: Profile) -> str:
    """Give the profile a secret if it has none; return it (stored sealed, see sealing.py)."""
    if not profile.totp_secret:
        profile.totp_secret = seal(pyotp.random_base32())
        profile.save(update_fields=["totp_secret"])
    secret = unseal(profile.totp_secret)
    if not is_sealed(profile.totp_secret):  # stored before sealing: seal it now
        profile.totp_secret = seal(secret)
        profile.save(update_fields=["totp_secret"])
    return secret


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
    try:
        totp = pyotp.TOTP(unseal(profile.totp_secret))
    except UnsealError:
        return False  # the instance secret changed: reset and enrol again (reset below)
    now_step = int(time.time()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if step > profile.last_totp_step and totp.at(step * totp.interval) == code:
            profile.last_totp_step = step
            profile.totp_confirmed = True
            profile.save(update_fields=["last_totp_step", "totp_confirmed"])
            return True
    return False


def reset(profile: Profile, actor: str) -> None:
    """Forget the profile's second factor (a lost phone, a changed instance secret): they enrol
    again at their next sign-in. Audited. The last used step is kept, so no old code works."""
    from harbour.apps.audit.chain import record

    profile.totp_secret = ""
    profile.totp_confirmed = False
    profile.save(update_fields=["totp_secret", "totp_confirmed"])
    record(
        actor, "second-factor-reset", profile.user, summary=f"{profile.user.username} enrols again"
    )
