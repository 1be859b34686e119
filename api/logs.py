"""Logs a machine can read: one JSON object per line, or plain lines for a person at a terminal.

``liftledger serve``, ``ingest`` and ``project`` take ``--log-format json|text`` (or ``LIFTLEDGER_LOG_FORMAT``). A
JSON line has ``at`` (UTC, milliseconds), ``level``, ``logger`` and ``message``, then the record's own fields —
``extra={"method": …}`` of the code that logged it — and, for a failure, ``error`` with the traceback. Every HTTP
request is one ``liftledger.access`` line: method, path, status, duration in milliseconds, client address.
"""

from __future__ import annotations

import logging
import logging.config
import time
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LOG_FORMATS", "AccessLog", "JsonFormatter", "logging_config"]

LOG_FORMATS = ("text", "json")
LogFormat = Literal["text", "json"]
# Attributes every LogRecord has: what is left are the fields the caller passed with ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                                "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {"at": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
                                "level": record.levelname.lower(), "logger": record.name,
                                "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def logging_config(fmt: LogFormat, level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server (uvicorn's loggers included) and the workers."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S"}
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    named = {"level": level.upper(), "handlers": ["main"], "propagate": False}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": formatter}, "handlers": {"main": handler},
        "loggers": {"liftledger": named, "uvicorn": named, "uvicorn.error": named,
                    "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False}},  # AccessLog's
        "root": {"level": "WARNING", "handlers": ["main"]},
    }


def configure(fmt: LogFormat, level: str = "info") -> None:
    logging.config.dictConfig(logging_config(fmt, level))


class AccessLog:
    """One ``liftledger.access`` record per HTTP request (uvicorn's own access lines are switched off)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("liftledger.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            client = scope.get("client")
            ms = round((time.perf_counter() - started) * 1000, 1)
            self.log.info("%s %s %s %.1f ms", scope["method"], scope["path"], status["code"], ms,
                          extra={"method": scope["method"], "path": scope["path"], "status": status["code"],
                                 "ms": ms, "client": client[0] if client else None})
