"""Second-factor secrets at rest: sealed with the instance secret, and resettable by IT."""

from __future__ import annotations

import pyotp
import pytest
from django.test import override_settings

from harbour.apps.accounts import totp
from harbour.apps.accounts.models import Profile
from harbour.apps.accounts.sealing import UnsealError, seal, unseal
from harbour.apps.audit.models import AuditEntry


def test_the_database_holds_no_second_factor_secret_in_plain_text(school) -> None:
    secret = totp.ensure_secret(school["alice"].profile)
    stored = Profile.objects.get(user=school["alice"]).totp_secret
    assert secret not in stored and stored.startswith("sealed:v1:")
    assert unseal(stored) == secret


def test_a_secret_stored_before_sealing_still_works_and_is_sealed_when_next_used(school) -> None:
    profile = school["harry"].profile
    profile.totp_secret = pyotp.random_base32()  # as an earlier version stored it
    profile.save()
    plain = profile.totp_secret
    assert totp.check_code(profile, pyotp.TOTP(plain).now())
    assert totp.ensure_secret(profile) == plain
    assert Profile.objects.get(pk=profile.pk).totp_secret.startswith("sealed:v1:")


def test_another_instance_secret_cannot_open_a_sealed_value(settings) -> None:
    sealed = seal("JBSWY3DPEHPK3PXP")
    with override_settings(SECRET_KEY="a-different-instance-secret"), pytest.raises(UnsealError):
        unseal(sealed)


def test_it_can_make_a_dsl_enrol_again_and_the_reset_is_audited(school, capsys) -> None:
    from harbour.cli import main

    profile = school["alice"].profile
    totp.ensure_secret(profile)
    profile.totp_confirmed = True
    profile.save()
    assert main(["people", "reset-2fa", "alice"]) == 0
    profile.refresh_from_db()
    assert (profile.totp_secret, profile.totp_confirmed) == ("", False)
    assert AuditEntry.objects.filter(action="second-factor-reset").count() == 1
    assert main(["people", "reset-2fa", "nobody"]) == 2
    assert "no login named 'nobody'" in capsys.readouterr().err
