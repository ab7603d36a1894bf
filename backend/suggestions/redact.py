"""Removing personal data from text before it is published (PIPL: public display needs separate consent
and removes phones, identity numbers and exact addresses). Citizens' names are never stored, so
what remains is what they typed about themselves or others: numbers and door-level addresses."""
import re

_PATTERNS = [
    re.compile(r"\d{17}[\dXx]"),  # resident identity card number
    re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"),  # mobile phone
    re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),  # landline
    # door-level address parts: 3栋2单元501室, 12号楼, 501室, 8号
    re.compile(r"\d+\s*(?:栋|幢|号楼|座)(?:\s*\d+\s*单元)?(?:\s*\d+\s*(?:室|号|户))?"),
    re.compile(r"\d+\s*(?:单元)\s*\d*\s*(?:室|号|户)?"),
    re.compile(r"\d+\s*(?:室|户)"),
]


def redact(text):
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub("***", text)
    return text
