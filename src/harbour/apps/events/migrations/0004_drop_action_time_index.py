"""The (action, time) index only counted allowed decisions per day; the weekly report now takes
them as all decisions less the blocked ones, read from the time index and the blocked attempts'
partial index. One index fewer to maintain on every ingested event."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_report_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="decisionevent",
            name="event_action_time",
        ),
    ]
