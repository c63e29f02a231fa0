"""What the routes depend on (FastAPI `Depends`): the settings, the two read-only databases, the key store, the
abuse limits and the answer cache (the audit log is written by its middleware, crosstrack/api/audit.py).
create_app builds each once and keeps it on `app.state`; a route names what it needs with these annotations and
never reaches for anything else.

The getters are `async`, so that a route running on the event loop (/api/v1/query) is not handed to the thread
pool to resolve them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crosstrack.api.cache import ResponseCache
from crosstrack.api.catalog import Catalog
from crosstrack.api.database import ReadOnlyDatabase
from crosstrack.api.errors import unknown_parameters
from crosstrack.api.keys import KeyStore
from crosstrack.api.throttle import Throttle
from crosstrack.settings import Settings


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _public_release(request: Request) -> ReadOnlyDatabase[Catalog]:
    return request.app.state.public


async def _restricted_warehouse(request: Request) -> ReadOnlyDatabase[None]:
    return request.app.state.restricted


async def _key_store(request: Request) -> KeyStore:
    return request.app.state.keys


async def _throttle(request: Request) -> Throttle:
    return request.app.state.throttle


async def _answers(request: Request) -> ResponseCache:
    return request.app.state.answers


AppSettings = Annotated[Settings, Depends(_settings)]
PublicRelease = Annotated[ReadOnlyDatabase[Catalog], Depends(_public_release)]
RestrictedWarehouse = Annotated[ReadOnlyDatabase[None], Depends(_restricted_warehouse)]
Keys = Annotated[KeyStore, Depends(_key_store)]
Limits = Annotated[Throttle, Depends(_throttle)]
Answers = Annotated[ResponseCache, Depends(_answers)]


def reject_unknown_parameters(request: Request, allowed: tuple[str, ...]) -> None:
    unknown = sorted({key for key in request.query_params if key not in allowed})
    if unknown:
        raise unknown_parameters(unknown, allowed)
