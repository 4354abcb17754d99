"""Self-study's views: pure functions of domain objects and a `Renderer` to texts and keyboards,
shared by the self-study handlers, its weekly jobs and supervision. By concept: `common` (actions,
minutes, bars, a plan's block), `record` (a logged entry, away periods, /me and its chart), `plan`
(the week's plan, the draft form, pushing down, readings), `members` (/hours, /rank), `weekly` (the
planners' messages), `settings` (the /settings rows' values)."""

from __future__ import annotations

from views.selfstudy.common import (  # noqa: F401 - the formatting other features and tests use
    Act, Ask, bar, fmt_day, fmt_minutes, item_buttons, link_html, plan_block, week_span,
)
