"""CLI commands of the HTTP service: ``serve`` and ``tokens issue|revoke|list``.

Both go through the same service layer as the server (api.http.services): a token is issued by the very rules
it is checked by.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.common import EXIT_OK, json_argument, log_format, log_format_argument, open_store, store_argument
from api.cli.output import console, emit, print_json
from ledger.core.identifiers import format_instant
from ledger.core.vocabulary import ROLE_LABELS

if TYPE_CHECKING:
    from api.http.services.access import AccessService

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP API and web pages (FastAPI on uvicorn)")
    store_argument(p)
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    p.add_argument("--port", type=int, default=8000, help="the port to listen on")
    p.add_argument("--platform-key", type=Path, default=None,
                   help="the platform's key file: public reports are signed with it (or $LIFTLEDGER_PLATFORM_KEY)")
    p.add_argument("--platform-org", default=None, help="the platform's 统一社会信用代码 (platform_96333)")
    p.add_argument("--registry-key", type=Path, default=None,
                   help="a regulator key with which the server signs registry acts its regulator tokens ask for "
                        "(POST /v1/registry/…; or $LIFTLEDGER_REGISTRY_KEY)")
    p.add_argument("--witness-key", type=Path, default=None, help="run a C2SP witness with this key file")
    p.add_argument("--witness-name", default=None, help="the witness's key name, e.g. regulator.example/witness")
    p.add_argument("--witness-state", type=Path, default=None, help="the witness's state directory")
    p.add_argument("--witness-log", action="append", default=None, metavar="VKEY",
                   help="a log the witness trusts (default: this server's own log)")
    p.add_argument("--public-url", default=None, metavar="URL",
                   help="the address the public reaches this server at, printed into 使用标志 QR codes "
                        "(or $LIFTLEDGER_PUBLIC_URL; default: the requesting address)")
    p.add_argument("--projection-follow", type=float, default=1.0, metavar="SECONDS",
                   help="keep the projections current every SECONDS (0: only when read)")
    p.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                   help="the least severe log records written")
    log_format_argument(p)
    p.set_defaults(run=cmd_serve)

    tokens = sub.add_parser("tokens", help="API tokens of organizations (stored hashed in the store)")
    tsub = tokens.add_subparsers(dest="tokens_command", required=True)
    p = tsub.add_parser("issue", help="issue a token for an organization in one role; printed once")
    store_argument(p)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--role", required=True, choices=tuple(ROLE_LABELS), metavar="ROLE",  # api.http.auth.ROLES
                   help="the role the token acts in; the organization must be registered in it")
    p.add_argument("--label", default="", help="a note: who holds it, what for")
    p.set_defaults(run=cmd_tokens_issue)
    p = tsub.add_parser("revoke", help="revoke a token by its id (tok_…); effective on the next request")
    store_argument(p)
    p.add_argument("token_id", help="the token's id (tok_…), as `tokens list` shows it")
    p.set_defaults(run=cmd_tokens_revoke)
    p = tsub.add_parser("list", help="every token (ids, organizations, roles; never the token texts)")
    store_argument(p)
    p.add_argument("--org", default=None, help="only this organization's tokens")
    json_argument(p)
    p.set_defaults(run=cmd_tokens_list)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.http.app import create_app
    from api.http.settings import Settings

    settings = Settings.from_env(
        store=args.store, platform_key=args.platform_key, platform_org=args.platform_org,
        registry_key=args.registry_key,
        witness_key=args.witness_key, witness_name=args.witness_name, witness_state=args.witness_state,
        witness_logs=tuple(args.witness_log) if args.witness_log else None,
        projection_follow_s=args.projection_follow, public_url=args.public_url,
    )
    from api.logs import AccessLog, logging_config

    app = AccessLog(create_app(settings))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                log_config=logging_config(log_format(args), args.log_level), access_log=False)
    return EXIT_OK


@contextmanager
def _access(args: argparse.Namespace) -> Iterator[AccessService]:
    from api.http.services.access import AccessService
    from api.http.services.context import LedgerContext

    with open_store(args) as store:
        yield AccessService(LedgerContext(store))


def cmd_tokens_issue(args: argparse.Namespace) -> int:
    with _access(args) as access:
        issued = access.issue_token(args.org, args.role, args.label)
    note = "store the token now: only its hash is kept"
    emit(args, {"token": issued.token, **issued.record.to_dict(), "note": note},
         f"{issued.token}\n(token {issued.record.token_id} for {args.org} as {args.role}; store it now: only its "
         "hash is kept)")
    return EXIT_OK


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    with _access(args) as access:
        record = access.revoke_token(args.token_id)
    emit(args, record.to_dict())
    return EXIT_OK


def cmd_tokens_list(args: argparse.Namespace) -> int:
    with _access(args) as access:
        records = access.list_tokens(args.org)
    if args.json:
        print_json([r.to_dict() for r in records])
        return EXIT_OK
    for r in records:
        state = "active" if r.active else f"revoked {format_instant(r.revoked_at or 0)}"
        console().print(f"{r.token_id}  {r.org}  {r.role:<16} {state:<30} {r.label}")
    return EXIT_OK
