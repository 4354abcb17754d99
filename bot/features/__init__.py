"""The features, in order: the one list the app factory reads (commands are matched, menus and /help
listed, planners run, hooks called in this order)."""

from __future__ import annotations

from bot.features import agenda, joint, linkage, reflections, selfstudy, sessions, settings, start, supervise, units, youth
from bot.features.base import Feature, Features

FEATURES: tuple[Feature, ...] = (
    start.FEATURE, units.FEATURE, settings.FEATURE, sessions.FEATURE, joint.FEATURE, selfstudy.FEATURE,
    reflections.FEATURE, agenda.FEATURE, youth.FEATURE, supervise.FEATURE, linkage.FEATURE,
)


def gather(features: tuple[Feature, ...] = FEATURES) -> Features:
    return Features(features)


def install_domain_plugins(features: Features) -> None:
    """Hand the domain what the features plug into it (models keep one registry each): done by the app
    factory, and by tests that call domain functions without an app."""
    from models import figures, reflections, selfstudy

    selfstudy.install_minute_sources(features.minute_sources)
    reflections.install_subjects(features.reflection_subjects)
    figures.install_extra_figures(features.report_figures)
