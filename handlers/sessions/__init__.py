"""Study sessions in chat, 联学共建 included: what each module answers.

- `commands`: /session (one line, edit, cancel, invite/uninvite, window), /status, /nudge, /sessions
- `dialogue`: the guided scheduling dialogue (a draft card)
- `checkin`: 签到 (button, /checkin, the word) · `quick_checkin`: its fast path in a busy group
- `leave`: 请假 (button, /leave, the word) and an admin's decision
- `panel`: the admins' panel (the host's or a partner's, one view), 代签/补签, who is expected
- `makeup`: 补学 (/makeup, 已补学) and /me's part · `joint`: inviting and removing partner units

What they plug into the bot is declared in bot/features/sessions.py and bot/features/joint.py.
"""
