"""The service layer: every route, page and CLI command calls these; none holds ledger logic of its own.

:class:`Services` is the composition root of one server — one store, one writer, one of each service — built
from :class:`~api.http.settings.Settings` and closed with the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from api.http.services.access import AccessService
from api.http.services.analytics import AnalyticsService
from api.http.services.console import ConsoleService
from api.http.services.context import LedgerContext
from api.http.services.pages import PageService
from api.http.services.provenance import ProvenanceService
from api.http.services.public import PublicService
from api.http.services.registry import RegistryService
from api.http.services.submissions import SubmissionService
from api.http.services.transparency import TransparencyService
from api.http.settings import Settings
from ledger.core.keys import SigningKey
from ledger.store import Store

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    ctx: LedgerContext
    access: AccessService
    submissions: SubmissionService
    provenance: ProvenanceService
    analytics: AnalyticsService
    transparency: TransparencyService
    public: PublicService
    pages: PageService
    registry: RegistryService
    console: ConsoleService

    @classmethod
    def open(cls, settings: Settings, *, clock: Callable[[], float] = time.time) -> Services:
        """Open the store named by ``settings`` and wire every service to it."""
        ctx = LedgerContext(Store(settings.store), clock=clock)
        access = AccessService(ctx)
        analytics = AnalyticsService(ctx, follow_s=settings.projection_follow_s,
                                     sync_limit=settings.projection_sync_limit)
        provenance = ProvenanceService(ctx)
        return cls(
            settings=settings,
            ctx=ctx,
            access=access,
            submissions=SubmissionService(ctx, max_batch=settings.max_batch),
            provenance=provenance,
            analytics=analytics,
            transparency=TransparencyService(ctx, settings),
            public=PublicService(ctx, access, analytics, settings),
            pages=PageService(ctx, access, analytics, provenance),
            registry=RegistryService(ctx, _desk_key(settings)),
            console=ConsoleService(ctx, access, analytics),
        )

    def close(self) -> None:
        self.analytics.close()
        self.ctx.close()


def _desk_key(settings: Settings) -> SigningKey | None:
    from ledger.adapters.keyfile import load_signing_key

    return None if settings.registry_key is None else load_signing_key(settings.registry_key)
