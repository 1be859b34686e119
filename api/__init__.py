"""The faces of the ledger: the command line (api/cli), the HTTP API and web pages (api/http), the demo (api/demo)."""

__all__ = ["API_VERSION"]

API_VERSION = "1.0.0"  # the HTTP API's version (OpenAPI info.version, `liftledger --version`)
