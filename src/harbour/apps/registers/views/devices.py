"""Device register: devices, the access the device matrix gives them, guest access."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from harbour.apps.accounts.gate import require
from harbour.apps.policies.service import current_policy
from harbour.apps.registers import devices
from harbour.apps.registers.models import Device
from harbour.apps.registers.views.common import find_person
from harbour.policy.model import DEVICE_TYPES


def _values(request: HttpRequest, errors: dict[str, str]) -> dict[str, object]:
    post = request.POST
    owner = find_person(post["owner"], errors, "owner") if post.get("owner", "").strip() else None
    expires = None
    if post.get("expires", "").strip():
        try:
            expires = timezone.make_aware(datetime.fromisoformat(post["expires"]))
        except ValueError:
            errors["expires"] = "expiry must be a date and time"
    return {
        "name": post.get("name", "").strip(),
        "device_type": post.get("device_type"),
        "owner": owner,
        "mac": post.get("mac", ""),
        "ip": post.get("ip", ""),
        "cidr": post.get("cidr", ""),
        "site": post.get("site", "").strip(),
        "guest": post.get("guest") == "on",
        "expires": expires,
        "notes": post.get("notes", "").strip(),
        "active": post.get("active") == "on" or "active_shown" not in post,
    }


def _edit(request: HttpRequest, device: Device | None) -> tuple[dict[str, str], Device | None]:
    errors: dict[str, str] = {}
    values = _values(request, errors)
    values, problems = devices.clean(values, current_policy())
    errors.update(problems)
    clash = Device.objects.filter(name=values["name"]).exclude(pk=device.pk if device else None)
    if clash.exists():
        errors["name"] = "another device has this name"
    if errors:
        return errors, None
    return errors, devices.save_device(values, request.user, device)


@require("registers.devices")
def register(request: HttpRequest) -> HttpResponse:
    """All devices with their access, and a form to add one."""
    policy = current_policy()
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors, saved = _edit(request, None)
        if saved is not None:
            messages.success(request, f"Device {saved.name} added.")
            return redirect("registers-devices")
    now = timezone.now()
    rows = [
        (d, devices.rule_for(d, policy), devices.status(d, policy, now))
        for d in Device.objects.select_related("owner")
    ]
    return render(
        request,
        "harbour/registers/devices.html",
        {
            "rows": rows,
            "types": DEVICE_TYPES,
            "policy": policy,
            "errors": errors,
            "posted": request.POST,
        },
    )


@require("registers.devices")
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a device (or end its access by unticking 'active')."""
    device = get_object_or_404(Device, pk=pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors, saved = _edit(request, device)
        if saved is not None:
            messages.success(request, f"Device {saved.name} saved.")
            return redirect("registers-devices")
    return render(
        request,
        "harbour/registers/device_edit.html",
        {"device": device, "types": DEVICE_TYPES, "errors": errors},
    )
