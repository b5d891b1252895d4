"""The device register feeds the gateways' client identification, following the device matrix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from harbour.apps.policies.service import current_policy, write_gateway_snapshot
from harbour.apps.registers import aup, devices
from harbour.filtering import FilterEngine
from harbour.policy.snapshot import read_snapshot
from tests.apps.registers.conftest import staff_member

pytestmark = pytest.mark.django_db


def add(actor: str = "ivan", **values):  # type: ignore[no-untyped-def]
    clean, errors = devices.clean(values, current_policy())
    assert not errors, errors
    return devices.save_device(clean, actor)


def test_registered_devices_reach_the_snapshot_and_expired_or_barred_ones_do_not(
    school, data_dir
) -> None:
    now = timezone.now()
    add(name="Library PCs", device_type="school-multi-user", cidr="10.10.40.0/24")
    add(
        name="Guest laptop",
        device_type="visitor-owned",
        ip="10.30.0.9",
        guest=True,
        expires=now + timedelta(hours=2),
    )
    add(
        name="Old guest",
        device_type="visitor-owned",
        ip="10.30.0.8",
        guest=True,
        expires=now - timedelta(minutes=1),
    )
    add(name="Pupil phone", device_type="pupil-owned", mac="AA-BB-CC-DD-EE-FF")

    snap = read_snapshot(data_dir / "policy.json")
    by_name = {d.name: d for d in snap.devices}
    assert set(by_name) == {"Library PCs", "Guest laptop"}
    assert (
        by_name["Library PCs"].group == "pupils-ks2"
    )  # the policy's network for multi-user devices
    assert by_name["Guest laptop"].group == "visitors" and by_name["Guest laptop"].expires
    engine = FilterEngine.open(data_dir)
    assert engine.who_for_ip("10.10.40.7").device == "Library PCs"
    assert engine.who_for_ip("10.30.0.9").device == "Guest laptop"


def test_an_owned_device_is_filtered_as_its_owner_including_a_missing_agreement(
    school, data_dir
) -> None:
    bob = staff_member()
    add(name="Bob's laptop", device_type="school-single-user", owner=bob, ip="10.20.0.44")
    entry = next(
        d for d in read_snapshot(data_dir / "policy.json").devices if d.name == "Bob's laptop"
    )
    assert (entry.group, entry.owner) == ("visitors", "bob")  # no staff agreement signed yet

    aup.sign(bob, "staff", current_policy(), "bob")
    entry = next(
        d for d in read_snapshot(data_dir / "policy.json").devices if d.name == "Bob's laptop"
    )
    assert entry.group == "staff"


def test_bad_device_details_are_refused_field_by_field(school) -> None:
    _, errors = devices.clean(
        {
            "name": "",
            "device_type": "toaster",
            "mac": "12:34",
            "ip": "10.0.0.300",
            "cidr": "10.0.0.0/40",
            "guest": True,
        },
        current_policy(),
    )
    assert set(errors) == {"name", "device_type", "mac", "ip", "cidr", "expires"}


def test_each_device_gets_the_access_its_matrix_column_gives(school) -> None:
    policy = current_policy()
    staff_phone = add(name="Staff phone", device_type="staff-owned", ip="10.20.0.50")
    pupil_phone = add(name="Pupil phone", device_type="pupil-owned", ip="10.10.9.9")
    assert devices.rule_for(staff_phone, policy).network == "internet-only"
    assert devices.status(pupil_phone, policy, timezone.now()) == "barred"
    write_gateway_snapshot()


def test_agreements_apply_before_other_restrictions_and_devices_after_them() -> None:
    from harbour.apps.policies.service import contributors
    from harbour.apps.records import network

    assert contributors[0] is aup.restrict_unsigned  # removed network access overrides it
    assert contributors.index(devices.add_to_snapshot) > contributors.index(network.contribute)
