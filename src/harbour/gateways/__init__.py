"""Gateways: the network services that apply the filtering engine's decisions (DNS, proxy)."""
