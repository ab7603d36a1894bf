"""WeChat's message-push encryption (安全模式 / 兼容模式), as WeChat's own WXBizMsgCrypt does it.

With an EncodingAESKey configured, WeChat sends each push as ``{"ToUserName": …, "Encrypt": …}`` and
signs the ciphertext: ``msg_signature`` = SHA-1 of the sorted token, ``timestamp``, ``nonce`` and
``Encrypt``. The ciphertext is AES-256-CBC (key: the EncodingAESKey decoded from base64, IV: its first
16 bytes) over ``16 random bytes · the message's length (4 bytes, big-endian) · the message · the
appid``, padded PKCS#7 to 32-byte blocks, in base64. The appid at the end names the mini-program the
push is meant for; one meant for another is refused.

The stand-in encrypts with the same class, so the offline setup pushes exactly what WeChat would.
"""
import base64
import binascii
import hashlib
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK_BITS = 256  # WeChat pads to 32-byte blocks, not AES's 16


class PushDecryptError(ValueError):
    """An ``Encrypt`` value that is not a message for this mini-program under this key."""


def aes_key_problem(encoding_aes_key):
    """Why ``encoding_aes_key`` is not an EncodingAESKey (43 base64 characters), or None."""
    if len(encoding_aes_key) != 43:
        return f"an EncodingAESKey has 43 characters, this one {len(encoding_aes_key)}"
    try:
        base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error:
        return "an EncodingAESKey holds only letters, digits, '+' and '/'"
    return None


def sign(*parts):
    """WeChat's signature of a push: SHA-1 of its parts sorted and joined — token, ``timestamp`` and
    ``nonce`` (``signature``), and the ciphertext too when encrypted (``msg_signature``)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class PushCipher:
    def __init__(self, encoding_aes_key, appid):
        problem = aes_key_problem(encoding_aes_key)
        if problem:
            raise ValueError(problem)
        key = base64.b64decode(encoding_aes_key + "=")
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._appid = appid.encode()

    def encrypt(self, message, random_prefix=None):
        """``message`` (text) as WeChat sends it, in base64; ``random_prefix`` (16 bytes) for tests."""
        body = message.encode()
        plain = (random_prefix or os.urandom(16)) + len(body).to_bytes(4, "big") + body + self._appid
        padder = padding.PKCS7(_BLOCK_BITS).padder()
        encryptor = self._cipher.encryptor()
        padded = padder.update(plain) + padder.finalize()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, encrypted):
        """The text inside ``encrypted``; PushDecryptError unless it decrypts to a message for our appid."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise PushDecryptError("not base64") from None
        if not raw or len(raw) % 16:
            raise PushDecryptError("not whole AES blocks")
        decryptor = self._cipher.decryptor()
        unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
        try:
            plain = unpadder.update(decryptor.update(raw) + decryptor.finalize()) + unpadder.finalize()
        except ValueError:
            raise PushDecryptError("badly padded") from None
        length = int.from_bytes(plain[16:20], "big")
        body, appid = plain[20:20 + length], plain[20 + length:]
        if len(plain) < 20 or len(body) != length or appid != self._appid:
            raise PushDecryptError("meant for another mini-program")
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise PushDecryptError("not UTF-8 text") from None
