"""Start and stop an Application outside run_polling/run_webhook, calling the same hooks PTB would."""

from __future__ import annotations

from telegram.ext import Application


async def start(app: Application, *, polling: bool, poll_timeout: int = 10, allowed_updates=None) -> None:
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    if polling:
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=allowed_updates)


async def stop(app: Application) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
