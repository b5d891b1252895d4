"""Monitoring alerts: raised from events and text, routed by severity, triaged by the DSL."""
