"""Wiring and infrastructure of wuxue: settings, app factory, database, i18n, delivery, CLI."""
