"""Decision events: the durable local spool gateways write and the ingest worker reads.

Plain Python; never imports Django.
"""

from harbour.events.record import decision_event
from harbour.events.spool import SpoolReader, SpoolWriter

__all__ = ["SpoolReader", "SpoolWriter", "decision_event"]
