"""The features, in order: the one list the app factory reads (commands are matched, menus and /help
listed, planners run, hooks called in this order)."""

from __future__ import annotations

from bot.features import agenda, joint, reflections, selfstudy, sessions, settings, start, supervise, units, youth
from bot.features.base import Feature, Features

FEATURES: tuple[Feature, ...] = (
    start.FEATURE, units.FEATURE, settings.FEATURE, sessions.FEATURE, joint.FEATURE, selfstudy.FEATURE,
    reflections.FEATURE, agenda.FEATURE, youth.FEATURE, supervise.FEATURE,
)


def gather(features: tuple[Feature, ...] = FEATURES) -> Features:
    return Features(features)
