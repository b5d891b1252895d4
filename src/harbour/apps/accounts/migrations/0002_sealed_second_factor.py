"""Second-factor secrets are stored sealed with the instance secret (accounts/sealing.py):
room for the sealed form, and every secret stored in plain text before is sealed."""

from django.db import migrations, models


def seal_stored_secrets(apps, schema_editor):
    from harbour.apps.accounts.sealing import is_sealed, seal

    Profile = apps.get_model("accounts", "Profile")
    for profile in Profile.objects.exclude(totp_secret=""):
        if not is_sealed(profile.totp_secret):
            profile.totp_secret = seal(profile.totp_secret)
            profile.save(update_fields=["totp_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profile",
            name="totp_secret",
            field=models.CharField(blank=True, max_length=255),
        ),
        # Unsealing on the way back would put secrets in plain text again: not offered.
        migrations.RunPython(seal_stored_secrets, migrations.RunPython.noop),
    ]
