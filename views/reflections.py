"""Reflections as other features offer them: the button that starts a reflection on a subject."""

from __future__ import annotations

from bot.callbacks import CallbackCodec
from models.reflections import Subject


def subject_callback(codec: CallbackCodec, subject: Subject) -> str:
    """callback_data that starts a reflection on `subject`. A feature's follow-up message carries it
    on a button; replying to that message with text starts the same draft."""
    return codec.encode("rf.s", subject.kind, subject.ref_id or 0, subject.unit_id)
