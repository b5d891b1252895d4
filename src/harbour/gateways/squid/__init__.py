"""The Squid gateway: ``harbour squid-helper`` answers Squid's URL-rewriter protocol.

Plain Python; never imports Django. See docs/squid.md and deploy/squid/.
"""

from harbour.gateways.squid.blockpage import DEFAULT_BLOCK_URL, BlockPage
from harbour.gateways.squid.decisions import CachedDecider
from harbour.gateways.squid.events import EventEncoder
from harbour.gateways.squid.helper import SquidHelper
from harbour.gateways.squid.protocol import HelperRequest, ProtocolError, parse_request

__all__ = [
    "DEFAULT_BLOCK_URL",
    "BlockPage",
    "CachedDecider",
    "EventEncoder",
    "HelperRequest",
    "ProtocolError",
    "SquidHelper",
    "parse_request",
]
