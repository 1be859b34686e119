"""The HTTP service: FastAPI app factory, settings, auth, routers per audience, service layer and web pages."""

from api.http.app import create_app
from api.http.settings import Settings

__all__ = ["Settings", "create_app"]
