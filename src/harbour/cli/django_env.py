"""Bring up Django for the sub-commands that use the database."""

from __future__ import annotations

import os


def setup_django(migrate: bool = False) -> None:
    """Configure Django from the environment; optionally apply migrations quietly."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harbour.web.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        from harbour.paths import ensure_data_dir

        ensure_data_dir()
        call_command("migrate", interactive=False, verbosity=0)
