"""Marshmallow schemas: the API contract in code. The OpenAPI document is generated from them.

Importing this package installs the Chinese default validation messages.
"""
from . import messages  # noqa: F401
