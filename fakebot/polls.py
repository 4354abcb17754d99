"""Polls and quizzes: sending, stopping, counting votes."""

from __future__ import annotations

from fakebot.common import JSONDict, Request, _as_int
from fakebot.errors import ApiError


class PollsMixin:
    """Part of :class:`fakebot.FakeBotAPI` (state lives there)."""

    def poll_answer(self, poll_id: str, user: JSONDict, option_ids: list[int]) -> int:
        """Inject a vote (counted on the stored poll when the bot sent it)."""
        answer = {
            "poll_id": poll_id,
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": [f"{poll_id}-{index}" for index in option_ids],
        }
        return self.inject({"poll_answer": answer})

    def _count_vote(self, answer: JSONDict) -> None:
        location = self._polls.get(str(answer.get("poll_id")))
        message = self.messages.get(location) if location else None
        option_ids = answer.get("option_ids")
        if message is None or not isinstance(option_ids, list):
            return
        poll = message["poll"]
        options = [
            {**option, "voter_count": option["voter_count"] + (index in option_ids)}
            for index, option in enumerate(poll["options"])
        ]
        total = poll["total_voter_count"] + (1 if option_ids else 0)
        self.messages[location] = {  # type: ignore[index]
            **message,
            "poll": {**poll, "options": options, "total_voter_count": total},
        }

    async def _send_poll(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        question = str(params.get("question") or "")
        if not question.strip():
            raise ApiError(400, "Bad Request: poll question must be non-empty")
        raw_options = params.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise ApiError(400, "Bad Request: poll must have at least 2 option")
        if len(raw_options) > 12:
            raise ApiError(400, "Bad Request: poll can't have more than 12 options")
        poll_id = str(5 * 10**18 + next(self._serial))
        options = [
            {
                "text": str(o.get("text") if isinstance(o, dict) else o),
                "voter_count": 0,
                "persistent_id": f"{poll_id}-{index}",
            }
            for index, o in enumerate(raw_options)
        ]
        poll: JSONDict = {
            "id": poll_id,
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous") is not False,
            "type": params.get("type") or "regular",
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": bool(params.get("allows_revoting")),
            "members_only": bool(params.get("members_only")),
        }
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if poll["type"] == "quiz":
            if not isinstance(correct, list) or not all(
                isinstance(i, int) and 0 <= i < len(options) for i in correct
            ):
                raise ApiError(400, "Bad Request: wrong correct option ID specified")
            poll["correct_option_ids"] = correct
        for key in ("explanation", "open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = params[key]
        message = self._store_sent(chat, {"poll": poll}, params)
        self._polls[poll["id"]] = (chat["id"], message["message_id"])
        return message

    async def _stop_poll(self, record: Request) -> JSONDict:
        params = record.params
        chat = self._target_chat(params)
        key = (chat["id"], _as_int(params.get("message_id")) or 0)
        message = self.messages.get(key)
        if message is None or "poll" not in message:
            raise ApiError(400, "Bad Request: message with poll to stop not found")
        if message["poll"]["is_closed"]:
            raise ApiError(400, "Bad Request: poll has already been closed")
        poll = {**message["poll"], "is_closed": True}
        self.messages[key] = {**message, "poll": poll}
        return poll

    def poll_message(self, poll_id: str) -> JSONDict | None:
        """The current message of a poll the bot sent (vote counts included)."""
        location = self._polls.get(str(poll_id))
        return self.messages.get(location) if location else None
