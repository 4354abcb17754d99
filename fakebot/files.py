"""Photos and documents: uploads, file ids, getFile and the download route."""

from __future__ import annotations

from aiohttp import web

from fakebot.common import _MEDIA_METHODS, JSONDict, Request, _json_response, _upload_part
from fakebot.errors import ApiError


class FilesMixin:
    """Part of :class:`fakebot.FakeBotAPI` (state lives there)."""

    def add_document(
        self, data: bytes, file_name: str = "file.bin", mime_type: str = "application/octet-stream"
    ) -> JSONDict:
        """Register a downloadable file and return a Document dict, for injected messages."""
        extra = {"file_name": file_name, "mime_type": mime_type}
        return self._register_file("document", data, extra)

    def add_photo(self, data: bytes, width: int = 1280, height: int = 720) -> list[JSONDict]:
        """Register a downloadable photo and return its PhotoSize list (thumbnail first)."""
        thumb_size = {"width": 90, "height": max(1, 90 * height // max(width, 1))}
        thumb = self._register_file("photo", data, thumb_size)
        full = self._register_file("photo", data, {"width": width, "height": height})
        return [thumb, full]

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(401, ApiError(401, "Unauthorized").body())
        data = self.files.get(request.match_info["path"])
        if data is None:
            return _json_response(404, ApiError(404, "Not Found").body())
        return web.Response(body=data, content_type="application/octet-stream")

    def _register_file(self, kind: str, data: bytes, extra: JSONDict) -> JSONDict:
        serial = next(self._serial)
        obj: JSONDict = {
            "file_id": f"FAKE-{kind}-{serial:06d}",
            "file_unique_id": f"U{serial:06d}",
            "file_size": len(data),
            **extra,
        }
        name = str(extra.get("file_name") or "")
        suffix = name[name.rfind(".") :] if "." in name else (".jpg" if kind == "photo" else "")
        path = f"{kind}s/file_{serial}{suffix}"
        self.files[path] = data
        self._files_by_id[obj["file_id"]] = (obj, path)
        return obj

    def _media_object(self, record: Request, field_name: str, extra: JSONDict) -> JSONDict:
        """The file object for a media parameter: an upload (direct or attach://), a file_id
        sent before, or an unknown id/URL taken at face value."""
        value = record.params.get(field_name)
        part = _upload_part(record.params, field_name)
        if part in record.files:
            data = record.files[part]
            file_name = record.filenames.get(part) or field_name
            mime_type = record.mime_types.get(part) or "application/octet-stream"
            return self._register_file(
                field_name, data, {"file_name": file_name, "mime_type": mime_type, **extra}
            )
        if not isinstance(value, str) or not value:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        if value in self._files_by_id:
            return self._files_by_id[value][0]
        serial = next(self._serial)
        return {"file_id": value, "file_unique_id": f"U{serial:06d}", **extra}

    async def _send_photo(self, record: Request) -> JSONDict:
        chat = self._target_chat(record.params)
        caption = self._caption(record.params)
        data = record.files.get(_upload_part(record.params, "photo"))
        if data is not None:
            sizes = self.add_photo(data)
        else:
            sizes = [self._media_object(record, "photo", {"width": 1280, "height": 720})]
        return self._store_sent(chat, {"photo": sizes, **caption}, record.params)

    async def _send_media(self, record: Request) -> JSONDict:
        field_name, extra = _MEDIA_METHODS[record.method]
        chat = self._target_chat(record.params)
        caption = self._caption(record.params)
        media = self._media_object(record, field_name, extra)
        return self._store_sent(chat, {field_name: media, **caption}, record.params)

    async def _get_file(self, record: Request) -> JSONDict:
        found = self._files_by_id.get(str(record.params.get("file_id") or ""))
        if found is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        obj, path = found
        return {
            "file_id": obj["file_id"],
            "file_unique_id": obj["file_unique_id"],
            "file_size": obj["file_size"],
            "file_path": path,
        }

    def file_path(self, file_id: str) -> str | None:
        """Where a known file is served (under /file/bot<token>/), as getFile would say."""
        found = self._files_by_id.get(file_id)
        return found[1] if found else None

    def file_object(self, path: str) -> JSONDict | None:
        """The Document/PhotoSize object of a file served at ``path``."""
        return next((obj for obj, stored in self._files_by_id.values() if stored == path), None)
