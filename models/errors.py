"""Domain errors carry a message-catalog key and its parameters; handlers render them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no. `key` names a catalog text, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
