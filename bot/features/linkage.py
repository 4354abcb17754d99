"""联动, where the features meet (models/linkage.py): attended sessions count as study minutes; a
reflection can be on a session attended, an open 补学 item or a first agenda item's follow-up; 督学
figures count first agenda items studied, follow-ups and measures."""

from __future__ import annotations

from bot.features.base import Feature
from models import linkage

FEATURE = Feature(
    name="linkage",
    minute_sources=linkage.MINUTE_SOURCES,
    reflection_subjects=(*linkage.SESSION_SUBJECTS, *linkage.AGENDA_SUBJECTS),
    report_figures=linkage.AGENDA_FIGURES,
)
