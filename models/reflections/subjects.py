"""What a reflection is about: subjects and the providers that list them (installed by the app factory: `install_subjects`)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import DomainError
from models.reflections.tables import OTHER, Reflection
from models.units import Person, person_units


# -- subjects ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """What a reflection is about: (kind, ref_id) in the unit that reviews it, and a title to show."""

    kind: str
    ref_id: int | None
    unit_id: int
    title: str = ""


class SubjectProvider(abc.ABC):
    """Offers a member's candidate subjects of one kind and hears about reflections on them."""

    kind: str = ""

    @abc.abstractmethod
    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        """The subjects this person may write about now (recent, open ones), each with its unit."""

    async def resolve(
        self, session: AsyncSession, *, person: Person, ref_id: int | None, unit_id: int, now: datetime,
    ) -> Subject | None:
        """The subject a button or a follow-up names, if it is this person's to write about."""
        for subject in await self.candidates(session, person=person, now=now):
            if subject.ref_id == ref_id and subject.unit_id == unit_id:
                return subject
        return None

    async def submitted(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        """A reflection on one of this provider's subjects was submitted (again)."""

    async def approved(self, session: AsyncSession, *, reflection: Reflection, now: datetime) -> None:
        """A reflection on one of this provider's subjects was approved."""


# The providers in use: the free topic, plus those the features declare (installed once by the app
# factory through `install_subjects`; nothing registers itself on import).
PROVIDERS: dict[str, SubjectProvider] = {}


def install_subjects(declared: tuple[SubjectProvider, ...]) -> None:
    """Use the free topic and the `declared` providers (replacing whatever was installed before)."""
    kinds = [p.kind for p in declared]
    if not all(kinds) or len(set(kinds)) != len(kinds) or OTHER in kinds:
        raise ValueError(f"subject kinds must be unique and not {OTHER!r}: {kinds}")
    PROVIDERS.clear()
    PROVIDERS[OTHER] = OtherTopic()
    PROVIDERS.update((p.kind, p) for p in declared)


def providers() -> list[SubjectProvider]:
    """Registered providers, the free topic last."""
    return sorted(PROVIDERS.values(), key=lambda p: p.kind == OTHER)


class OtherTopic(SubjectProvider):
    """A free topic (其他), reviewed in one of the units the member belongs to."""

    kind = OTHER

    async def candidates(self, session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
        return [Subject(OTHER, None, unit.id, unit.name) for unit, _ in await person_units(session, person=person)]


PROVIDERS[OTHER] = OtherTopic()


async def candidate_subjects(session: AsyncSession, *, person: Person, now: datetime) -> list[Subject]:
    found: list[Subject] = []
    for provider in providers():
        found += await provider.candidates(session, person=person, now=now)
    return found


async def resolve_subject(
    session: AsyncSession, *, person: Person, kind: str, ref_id: int | None, unit_id: int, now: datetime,
) -> Subject:
    provider = PROVIDERS.get(kind)
    subject = provider and await provider.resolve(session, person=person, ref_id=ref_id, unit_id=unit_id, now=now)
    if not subject:
        raise DomainError("reflect.subject_gone")
    return subject
