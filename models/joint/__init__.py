"""联学共建: a joint study session held by one unit (the host) with partner units.

The host's admins schedule it as any session and invite partner units; each partner is a row of
`session_partners`. A partner's active members are added to the roll when it is invited, so the
expected attendees are the members of the host and of every partner. Each partner group gets its own
announcement (a live roll, like the host's: its own outbox row and its own `roll_shown`), the
reminders and the close summary. Members check in from their own group. Only the host edits or
cancels, and may take a partner off again before the close (with the members it alone brought);
a partner's admins decide the leave of their own members.

The partner table and the sessions "of this group" live with the sessions (`models.sessions.tables`,
`models.sessions.lookup`): joint builds on sessions, never the other way round.
"""

from __future__ import annotations

from models.joint.partners import (
    JOINT_KINDS, find_partner, find_unit, invitable_units, is_partner, partner_rows, partner_session,
    partner_units, partners_of, takes_partners, units_by_person,
)
from models.joint.invite import MAX_PARTNERS, Removed, invite_partner, remove_partner
from models.joint.rights import check_kind_change, decide_partner_leave, refuse_partner_edit
from models.joint.rolls import Stale, partner_roll, stale_partner_rolls
from models.sessions import SessionPartner, of_unit  # re-exported: importers keep `models.joint`

__all__ = [
    "JOINT_KINDS", "find_partner", "find_unit", "invitable_units", "is_partner", "partner_rows",
    "partner_session", "partner_units", "partners_of", "takes_partners", "units_by_person", "MAX_PARTNERS",
    "Removed", "invite_partner", "remove_partner", "check_kind_change", "decide_partner_leave",
    "refuse_partner_edit", "Stale", "partner_roll", "stale_partner_rolls", "SessionPartner", "of_unit",
]
