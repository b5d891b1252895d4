"""Harbour's filtering DNS resolver: the school's policy for every device on the network.

Plain Python (asyncio); never imports Django. Start it with ``harbour dns`` or, in-process,
with :func:`harbour.gateways.dns.server.start_dns_in_background`.
"""
