"""QR codes: 一人一码、一站一码 — permanent, revocable, re-issuable codes for deputies and stations."""
