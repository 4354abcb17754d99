"""PTB's networking on aiohttp instead of httpx: the same Bot API calls for about half the CPU.

In a check-in burst nearly all of the bot's CPU goes into the HTTP calls (one answer per press).
httpx's pool checks every idle connection's socket on each request; aiohttp's C-accelerated
client and pool do far less per call. PTB supports this through `BaseRequest`: we only move bytes;
PTB still builds the calls and turns Telegram's answers and error codes into its exceptions.
"""

from __future__ import annotations

import asyncio
import urllib.request

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import txguard


class AiohttpRequest(BaseRequest):
    """One aiohttp session with at most `connections` open at once (PTB's HTTPXRequest, on aiohttp)."""

    __slots__ = ("_connections", "_proxies", "_session", "_timeouts")

    def __init__(self, *, connections: int, read_timeout: float = 5.0, connect_timeout: float = 5.0,
                 pool_timeout: float = 1.0) -> None:
        self._connections = connections
        self._timeouts = {"read": read_timeout, "connect": connect_timeout, "pool": pool_timeout}
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}

    @property
    def read_timeout(self) -> float:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, limit_per_host=self._connections),
                headers={"User-Agent": self.USER_AGENT}, skip_auto_headers=("Accept-Encoding",),
            )
            # HTTPS_PROXY / HTTP_PROXY (and NO_PROXY), as PTB's httpx client honours them; read once
            # here, since aiohttp's trust_env reads the environment and ~/.netrc on every request.
            found = urllib.request.getproxies()
            self._proxies = {scheme: found[scheme] for scheme in ("http", "https") if scheme in found}

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, name: str, given: object) -> float | None:
        return self._timeouts[name] if isinstance(given, DefaultValue) else given  # type: ignore[return-value]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        txguard.check(url)
        # No write timeout in aiohttp: its read timeout starts once the request is out, however long
        # a big upload took (what PTB's write timeout is for), so `write_timeout` is not needed.
        read = self._timeout("read", read_timeout)
        connect = self._timeout("connect", connect_timeout)
        pool = self._timeout("pool", pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect, sock_read=read)
        data: object = None
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData(quote_fields=False)
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                data = request_data.json_parameters or None
        proxy = None
        if self._proxies:
            scheme, _, rest = url.partition("://")
            host = rest.split("/", 1)[0].rsplit(":", 1)[0]
            if scheme in self._proxies and not urllib.request.proxy_bypass(host):
                proxy = self._proxies[scheme]
        try:
            async with self._session.request(method, url, data=data, timeout=timeout, proxy=proxy) as response:
                return response.status, await response.read()
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:  # the URL holds the token: never in the message
            raise NetworkError(f"aiohttp.{type(err).__name__}: {str(err).replace(url, '<Bot API URL>')}") from err
