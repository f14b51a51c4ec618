"""The errors litmap shows to a user: one line, no traceback, exit code 1."""

from __future__ import annotations


class LitmapError(Exception):
    """An error shown to the user as one line `Error: ...` without a traceback."""


class InputError(LitmapError):
    """An input file cannot be read or parsed as the format it claims to be."""


class StoreError(LitmapError):
    """The store is missing, is not a litmap store, or is in a state that forbids the request."""


class NotFoundError(LitmapError):
    """A record, pair, source or other id named by the user does not exist."""


class ProtocolError(LitmapError):
    """A protocol or codebook file is malformed, or an action is not allowed by it."""
