"""Rendering: domain objects → text and keyboards, in a language, with signed buttons. Shared by
handlers (replies) and jobs (outbox rows); imports models and bot's i18n and codec, never handlers or
jobs."""
