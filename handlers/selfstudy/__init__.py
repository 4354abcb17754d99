"""Weekly self-study (党员自学), by concept: `study` (/study, 学习 <分钟>, /away), `me` (/me and its
chart), `plan` (/plan, /plan set's draft form, /plan push, marking items done), `readings`,
`members` (admins: /hours, /training, /rank) and `settings` (what the /settings rows store). What
the feature plugs into the bot is declared in bot/features/selfstudy.py."""
