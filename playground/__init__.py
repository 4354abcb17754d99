"""`wuxue playground`: the real bot in a browser against the Telegram stand-in (`fakebot`)."""
