"""API v1, funding part: interventions with their eligibility, dossiers, statements (see ``config.api``)."""

from funding.api import interventions  # noqa: F401 (adds its operations to protocols.api.interventions_router)
from funding.api.dossiers import router as dossiers_router
from funding.api.statements import router as statements_router

__all__ = ["dossiers_router", "statements_router"]
