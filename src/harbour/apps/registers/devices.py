"""The device register: what each device may do under the policy's device matrix, and the
entries it gives the DNS and proxy paths so they know who a client address is."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Any

from django.utils import timezone

from harbour.apps.registers.audited import save_audited
from harbour.apps.registers.models import Device
from harbour.policy.model import DEVICE_TYPES, DeviceRule, Policy
from harbour.policy.snapshot import DeviceEntry, Snapshot

MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
FIELDS = (
    "name",
    "device_type",
    "owner",
    "mac",
    "ip",
    "cidr",
    "site",
    "guest",
    "expires",
    "notes",
    "active",
)


def clean(values: dict[str, Any], policy: Policy) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalise a device's fields; returns (values, errors by field)."""
    out = dict(values)
    errors: dict[str, str] = {}
    if not str(out.get("name", "")).strip():
        errors["name"] = "give the device a name"
    if out.get("device_type") not in DEVICE_TYPES:
        errors["device_type"] = f"choose one of: {', '.join(DEVICE_TYPES)}"
    elif out["device_type"] not in policy.devices:
        errors["device_type"] = "the policy's device matrix has no column for this type"
    mac = str(out.get("mac") or "").strip().lower().replace("-", ":")
    if mac and not MAC.match(mac):
        errors["mac"] = "a MAC address looks like 00:11:22:33:44:55"
    out["mac"] = mac
    ip = str(out.get("ip") or "").strip()
    cidr = str(out.get("cidr") or "").strip()
    try:
        out["ip"] = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        errors["ip"] = f"{ip!r} is not an IP address"
    try:
        out["cidr"] = str(ipaddress.ip_network(cidr, strict=False)) if cidr else ""
    except ValueError:
        errors["cidr"] = f"{cidr!r} is not an address range such as 10.40.0.0/24"
    if not (mac or ip or cidr):
        errors["ip"] = "give a MAC address, an IP address or a range"
    if out.get("guest") and not out.get("expires"):
        errors["expires"] = "guest access needs an expiry"
    return out, errors


def save_device(values: dict[str, Any], actor: Any, device: Device | None = None) -> Device:
    """Create or update a device (values already cleaned), audit it, rewrite the snapshot."""
    from harbour.apps.policies.service import write_gateway_snapshot

    fields = {name: values[name] for name in FIELDS if name in values}
    device = save_audited(device, Device, fields, actor, "device", "added_by")
    write_gateway_snapshot()
    return device


def rule_for(device: Device, policy: Policy) -> DeviceRule | None:
    """The device matrix column for this device's type (None when the policy has none)."""
    return policy.devices.get(device.device_type)  # type: ignore[call-overload]


def group_for(device: Device, policy: Policy, users: dict[str, list[str]]) -> str:
    """The group a device's traffic is filtered as: its owner's (as the snapshot has them, so
    an owner without a current agreement stays restricted), else the group of the policy's
    network for its type, else the unknown-clients group. Guests are always unknown clients."""
    fallback = policy.filtering.unknown_clients_group
    if device.guest:
        return fallback
    owner = device.owner
    if owner is not None and owner.username and users.get(owner.username):
        groups = users[owner.username]
        plain = [g for g in groups if g in policy.groups and not policy.groups[g].nominated]
        return sorted(plain or groups)[0]
    for network in policy.filtering.networks:
        if network.device_type == device.device_type:
            return network.group
    return fallback


def status(device: Device, policy: Policy, now: datetime) -> str:
    """'filtered', 'withdrawn', 'expired' or 'barred' (the device matrix gives no network)."""
    rule = rule_for(device, policy)
    if not device.active:
        return "withdrawn"
    if rule is None or not rule.allowed_in_school or rule.network == "none":
        return "barred"
    if device.expires is not None and now >= device.expires:
        return "expired"
    return "filtered"


def usable(device: Device, policy: Policy, now: datetime) -> bool:
    """Active, unexpired, and the device matrix lets this type use the network."""
    return status(device, policy, now) == "filtered"


def entries(
    policy: Policy, users: dict[str, list[str]], now: datetime | None = None
) -> list[DeviceEntry]:
    """Snapshot entries for every usable device (expired and barred devices are left out)."""
    now = now or timezone.now()
    found = []
    for device in Device.objects.filter(active=True).select_related("owner"):
        if not usable(device, policy, now):
            continue
        found.append(
            DeviceEntry(
                name=device.name,
                group=group_for(device, policy, users),
                ip=device.ip,
                cidr=device.cidr or None,
                mac=device.mac or None,
                device_type=device.device_type,
                owner=device.owner.username if device.owner else None,
                expires=device.expires.isoformat() if device.expires else None,
            )
        )
    return found


def add_to_snapshot(snap: Snapshot, policy: Policy) -> None:
    """Snapshot contributor: the registered devices the gateways identify clients by."""
    snap.devices.extend(entries(policy, snap.users))
