"""One-time codes read off a screen or a printed slip and typed: random, in letters and digits that are not
mistaken for one another, kept only as a digest (wechat_link's binding codes, 述职测评's ballot tickets)."""
import hashlib
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen and typed


def new(length):
    """A fresh code of ``length`` characters (5 random bits each)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(code):
    """What the user typed, as the code was issued: upper case, without spaces or dashes."""
    return "".join(ch for ch in str(code).upper() if ch not in " -")


def digest(code):
    """What is stored of a code: the SHA-256 of it as issued (``normalise``)."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def display(code, size=4):
    """``ABCD-EFGH-JKLM``: easier to read aloud and type."""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))
