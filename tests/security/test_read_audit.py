"""Every read, export and download of safeguarding data leaves an entry in the audit log,
naming who read what: through the pages and through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from harbour.apps.audit.models import AuditEntry
from tests.fixtures import sign_in

# (reader, url with {ids}, object type the entry names) for each read of safeguarding data.
READS = [
    ("alice", "/records/{record}/", "records.record"),
    ("bob", "/records/{record}/", "records.record"),
    ("alice", "/api/records/{record}/", "records.record"),
    ("alice", "/records/", "records.record"),
    ("alice", "/api/records/", "records.record"),
    ("alice", "/records/{record}/evidence/{evidence}/download/", "records.evidence"),
    ("dora", "/api/records/{record}/evidence/{evidence}/", "records.evidence"),
    ("alice", "/records/people/", "people.person"),
    ("alice", "/records/people/{pupil}/", "people.person"),
    ("dora", "/records/people/{pupil}/transfer.pdf", "people.person"),
    ("alice", "/records/retention/", "records.record"),
    ("gina", "/records/figures/", "records.record"),
    ("alice", "/alerts/", "alerts.alert"),
    ("dora", "/alerts/{alert}/", "alerts.alert"),
    ("harry", "/registers/consent/pupil/{pupil}/", "people.person"),
    ("harry", "/registers/training/certificate/{completion}/", "registers.completion"),
    ("harry", "/reports/weekly/", "reports.weekly"),
    ("gina", "/reports/governors/", "reports.governors"),
    ("gina", "/reports/governors/?format=pdf", "reports.governors"),
    ("bob", "/api/registers/publish-check/?use=website&pupils=P90001", "registers.consent"),
]


@pytest.mark.parametrize(("who", "url", "object_type"), READS)
def test_each_read_of_safeguarding_data_is_audited(estate, who, url, object_type) -> None:
    client = sign_in(Client(), estate["users"][who])
    filled = url.format(**{k: getattr(v, "pk", None) for k, v in estate.items()})
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = client.get(filled)
    assert response.status_code == 200, filled
    entries = AuditEntry.objects.filter(seq__gt=last, actor=who, object_type=object_type)
    assert entries.exists(), f"no audit entry for {who} reading {filled}"
    assert entries.first().action in {"read", "list", "export", "download", "downloaded"}


def test_the_audit_entry_names_the_record_read_not_its_content(estate) -> None:
    client = sign_in(Client(), estate["users"]["alice"])
    client.get(f"/records/{estate['record'].pk}/")
    entry = AuditEntry.objects.filter(actor="alice", action="read").order_by("-seq").first()
    assert entry.object_id == str(estate["record"].pk)
    assert "whispered" not in entry.summary
