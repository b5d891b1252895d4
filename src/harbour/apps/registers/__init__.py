"""Compliance registers: acceptable use, training, consent, devices, reviews, risk assessments."""
