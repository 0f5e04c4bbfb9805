"""Errors a user can fix: printed by the command line as one message, exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a user: a file, key or value.

    The message says where, what was expected and what was found.
    """
