"""CLI commands of the registry: organizations, keys, licences, certificates and elevators.

    liftledger keys show maintainer.key                                   # key id and public key, to hand over
    liftledger orgs register --key regulator.key --org 91310000MA0000006H --name 安心维保 --role maintainer \\
        --public-key "$(liftledger keys show maintainer.key --public)" --licence maintenance:TS3310001 --worker T-0001
    liftledger orgs list ; liftledger orgs show 91310000MA0000006H
    liftledger keys rotate --key regulator.key --org … --old KEY_ID --public-key NEW_B64
    liftledger elevators register --key regulator.key --code 311031001201800001 --registration-no … --user-unit …

Every act is signed with ``--key`` (a registered regulator key: the one ``liftledger init`` wrote, or another added
to the regulator) and appended through the ledger's one write path; ``--out FILE`` writes the signed envelopes
instead (JSON lines for ``liftledger append`` or ``POST /v1/events``). The output is one outcome per envelope, as
``append`` prints them; exit 1 if any was refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import orjson

from api.cli.common import EXIT_FAILED, EXIT_OK, json_argument, open_store, store_argument
from api.cli.output import console, print_json, print_json_lines
from ledger.core.errors import ConfigurationError, LedgerError
from ledger.core.identifiers import date_from_text, instant_from_text, local_date
from ledger.core.vocabulary import CERT_CATEGORY_FOR_ROLE, ROLE_LABELS, SiteCategory

if TYPE_CHECKING:
    from api.http.services.registry import RegistryService
    from ledger.write.service import Outcome
    from producers.registry import Certificate, Licence, RegistryDesk

__all__ = ["register"]

# Licences (TSG 07) and certificates (TSG Z6001) run four years when no end date is given.
DEFAULT_VALIDITY_YEARS = 4
_PERSON_ROLE_FOR_ORG_ROLE = {"maintainer": "worker", "inspection_body": "inspector", "user_unit": "safety_manager",
                             "assessment_body": "assessor"}

Envelopes = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ActCall:
    """What an act is signed from: the desk, the arguments, the act's time and the registry as it stands."""

    desk: RegistryDesk
    args: argparse.Namespace
    at: int
    registry: RegistryService


Act = Callable[[ActCall], Envelopes]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_orgs(sub)
    _register_licences(sub)
    _register_workers(sub)
    _register_elevators(sub)


def register_key_commands(keys: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``keys show|add|rotate|revoke`` beside ``keys new`` (api/cli/ledger_commands.py)."""
    p = keys.add_parser("show", help="a key file's key id and public key (what the registry needs; never the key)")
    p.add_argument("file", help="the key file (PKCS#8 PEM, as `keys new` wrote it)")
    p.add_argument("--public", action="store_true",
                   help="print only the public key (base64), e.g. for --public-key \"$(…)\"")
    json_argument(p)
    p.set_defaults(run=cmd_keys_show)

    p = _act_parser(keys, "add", "register another key of an organization (KeyAdded)", _act_key_add)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--public-key", required=True, help="the new key's public key, base64 (`keys show --public`)")
    p.add_argument("--valid-from", default=None, metavar="T", help="from when it may sign (default: --at)")
    p.add_argument("--valid-until", default=None, metavar="T", help="when it stops signing (default: never)")
    p.add_argument("--device", default=None, help="an IoT terminal id: the key may sign only as that device")

    p = _act_parser(keys, "rotate",
                    "replace an organization's key: the new one is added, the old one revoked at --at",
                    _act_key_rotate)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--old", required=True, metavar="KEY_ID", help="the key id being replaced")
    p.add_argument("--public-key", required=True, help="the new key's public key, base64 (`keys show --public`)")

    p = _act_parser(keys, "revoke", "revoke a key (KeyRevoked): it signs nothing from --revoked-at on",
                    _act_key_revoke)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--key-id", required=True, help="the key id to revoke")
    p.add_argument("--reason", required=True, help="why (e.g. 泄露, 离职, 设备报废)")
    p.add_argument("--revoked-at", default=None, metavar="T",
                   help="from when its signatures are refused (default: --at)")


def _register_orgs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    orgs = sub.add_parser("orgs", help="the registry's organizations: register, list, show")
    osub = orgs.add_subparsers(dest="orgs_command", required=True, metavar="COMMAND")
    p = _act_parser(osub, "register", "register an organization with its roles, key, licences and people",
                    _act_org_register)
    p.add_argument("--org", required=True, help="its 统一社会信用代码 (18 characters, with the check character)")
    p.add_argument("--name", required=True, help="its registered name")
    p.add_argument("--role", action="append", required=True, choices=tuple(ROLE_LABELS), dest="roles",
                   help="a role it acts in (repeatable)")
    p.add_argument("--district", default=None, help="its district (区县)")
    p.add_argument("--maker-code", default=None,
                   help="a manufacturer's 制造单位代号: digits 5-9 of the equipment codes it assigns")
    p.add_argument("--public-key", default=None,
                   help="its signing key's public key, base64 (`liftledger keys show --public KEYFILE`)")
    p.add_argument("--licence", action="append", default=[], metavar="KIND:NUMBER[:FROM:UNTIL]",
                   help=f"a licence to grant (repeatable); kinds: manufacture, installation, modification, repair, "
                        f"maintenance, inspection, testing, assessment; dates default to --at's day and "
                        f"{DEFAULT_VALIDITY_YEARS} years on")
    p.add_argument("--worker", action="append", default=[], metavar="CERT_NO[:CATEGORY[:FROM:UNTIL]]",
                   help="a person's certificate to record (repeatable); the category defaults to the role's "
                        "(maintainer: T, inspection_body: inspector, user_unit: A, assessment_body: assessor)")

    p = osub.add_parser("list", help="every registered organization with its roles, licences and keys")
    store_argument(p)
    p.add_argument("--role", default=None, choices=tuple(ROLE_LABELS), help="only organizations in this role")
    json_argument(p)
    p.set_defaults(run=cmd_orgs_list)
    p = osub.add_parser("show", help="one organization: roles, licences, keys and certificates")
    store_argument(p)
    p.add_argument("org", help="its 统一社会信用代码")
    json_argument(p)
    p.set_defaults(run=cmd_orgs_show)


def _register_licences(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    licences = sub.add_parser("licences", help="grant or revoke an organization's licences")
    lsub = licences.add_subparsers(dest="licences_command", required=True, metavar="COMMAND")
    p = _act_parser(lsub, "grant", "grant a licence (LicenceGranted)", _act_licence_grant)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--licence", required=True, metavar="KIND:NUMBER[:FROM:UNTIL]", help="the licence")
    p = _act_parser(lsub, "revoke", "revoke a licence (LicenceRevoked) from --at on", _act_licence_revoke)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--licence-no", required=True, help="the licence number")
    p.add_argument("--reason", required=True, help="why (e.g. 吊销, 注销)")


def _register_workers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    workers = sub.add_parser("workers", help="certify people (作业人员证) or revoke their certificates")
    wsub = workers.add_subparsers(dest="workers_command", required=True, metavar="COMMAND")
    p = _act_parser(wsub, "certify", "record certificates of an organization's people (WorkerCertified)",
                    _act_workers_certify)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--cert", action="append", required=True, metavar="CERT_NO[:CATEGORY[:FROM:UNTIL]]",
                   help="a certificate (repeatable); category T, inspector, A or assessor (default: the role's)")
    p = _act_parser(wsub, "revoke", "revoke a certificate (WorkerCertificateRevoked) from --at on",
                    _act_workers_revoke)
    p.add_argument("--org", required=True, help="the organization's 统一社会信用代码")
    p.add_argument("--cert", required=True, metavar="CERT_NO", help="the certificate number")
    p.add_argument("--reason", required=True, help="why (e.g. 离职, 吊销)")


def _register_elevators(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    elevators = sub.add_parser("elevators", help="register elevators (使用登记)")
    esub = elevators.add_subparsers(dest="elevators_command", required=True, metavar="COMMAND")
    p = _act_parser(esub, "register",
                    "使用登记 (Registered) of an elevator whose manufacture or baseline is recorded",
                    _act_elevator_register)
    _registration_arguments(p)


def _registration_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--code", required=True, help="设备代码 (18 digits)")
    p.add_argument("--registration-no", required=True, help="使用登记证编号, e.g. 梯31沪A00001(18)")
    p.add_argument("--user-unit", required=True, help="the user unit's (使用单位) 统一社会信用代码")
    p.add_argument("--site-category", required=True,
                   choices=get_args(SiteCategory),
                   help="the kind of place it serves")
    p.add_argument("--district", required=True, help="its district (区县)")
    p.add_argument("--address", required=True, help="its address")
    p.add_argument("--rescue-code", default=None, help="96333 救援识别码 (6 digits)")
    p.add_argument("--registration-code", default=None, help="the legacy 20-digit 注册代码")


def _act_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str,
                act: Act) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    store_argument(p)
    p.add_argument("--key", required=True, metavar="KEYFILE",
                   help="the regulator's key file that signs the act (a registered regulator key)")
    p.add_argument("--at", default=None, metavar="T",
                   help="when the act takes effect, YYYY-MM-DDTHH:MM:SSZ (UTC; default: now)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="write the signed envelopes here (JSON lines, - for stdout) instead of appending them")
    json_argument(p)
    p.set_defaults(run=lambda args: _run_act(args, act))
    return p


# --- running an act --------------------------------------------------------------------------------------------


@contextmanager
def _registry(args: argparse.Namespace) -> Iterator[RegistryService]:
    from api.http.services.context import LedgerContext
    from api.http.services.registry import RegistryService

    with open_store(args) as store:
        yield RegistryService(LedgerContext(store))


def _run_act(args: argparse.Namespace, act: Act) -> int:
    from ledger.adapters.keyfile import load_signing_key

    at = _instant(args.at, "--at") if args.at else int(time.time())
    with _registry(args) as registry:  # the store first: a mistyped --store is what is reported
        key = load_signing_key(args.key)
        envelopes = act(ActCall(registry.desk(key), args, at, registry))
        if args.out is not None:
            _write_envelopes(envelopes, args.out)
            return EXIT_OK
        outcomes = registry.record(envelopes)
    _print_outcomes(args, envelopes, outcomes)
    return EXIT_FAILED if any(o.error is not None for o in outcomes) else EXIT_OK


def _write_envelopes(envelopes: Sequence[dict[str, Any]], out: str) -> None:
    data = b"".join(orjson.dumps(e) + b"\n" for e in envelopes)
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(out, "ab") as handle:
            handle.write(data)
    except OSError as e:
        raise ConfigurationError(f"cannot write {out}: {e.strerror}") from None


def _print_outcomes(args: argparse.Namespace, envelopes: Sequence[dict[str, Any]],
                    outcomes: Sequence[Outcome]) -> None:
    if args.json:
        print_json_lines(o.to_dict() for o in outcomes)
        return
    for envelope, outcome in zip(envelopes, outcomes, strict=True):
        what = f"{envelope['type']} {_subject(envelope)}"
        shown = outcome.to_dict()
        if outcome.error is None:
            console().print(f"[green]✓[/green] {what}: {shown['status']}, {shown['stream']} seq {shown['seq']}")
        else:
            console().print(f"[red]✗[/red] {what}: {_error_text(outcome.error)}")


def _subject(envelope: dict[str, Any]) -> str:
    payload = envelope["payload"]
    found = (envelope.get("equipment_code") or payload.get("key_id") or payload.get("licence_no")
             or payload.get("cert_no") or payload.get("org"))
    return str(found or "")


def _error_text(error: LedgerError) -> str:
    path = getattr(error, "path", "")
    return f"{error.code}: {error.message}" + (f" (at {path})" if path else "")


# --- the acts --------------------------------------------------------------------------------------------------


def _act_org_register(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    day = local_date(at)
    person_roles = [_PERSON_ROLE_FOR_ORG_ROLE[r] for r in args.roles if r in _PERSON_ROLE_FOR_ORG_ROLE]
    return desk.register_organization(
        args.org, args.name, args.roles, at=at, district=args.district, maker_code=args.maker_code,
        public_key=args.public_key, licences=[_licence(text, day) for text in args.licence],
        workers=[_certificate(text, day, person_roles) for text in args.worker],
    )


def _act_key_add(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.add_key(args.org, args.public_key, at=at,
                        valid_from=_instant(args.valid_from, "--valid-from") if args.valid_from else None,
                        valid_until=_instant(args.valid_until, "--valid-until") if args.valid_until else None,
                        device=args.device)


def _act_key_rotate(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.rotate_key(args.org, args.old, args.public_key, at=at)


def _act_key_revoke(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    revoked_at = _instant(args.revoked_at, "--revoked-at") if args.revoked_at else None
    return desk.revoke_key(args.org, args.key_id, args.reason, at=at, revoked_at=revoked_at)


def _act_licence_grant(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.grant_licence(args.org, _licence(args.licence, local_date(at)), at=at)


def _act_licence_revoke(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.revoke_licence(args.org, args.licence_no, args.reason, at=at)


def _act_workers_certify(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    found = call.registry.organization(args.org)["roles"]  # its roles decide the default category
    roles = [_PERSON_ROLE_FOR_ORG_ROLE[r] for r in found if r in _PERSON_ROLE_FOR_ORG_ROLE]
    day = local_date(at)
    return [e for text in args.cert for e in desk.certify(args.org, _certificate(text, day, roles), at=at)]


def _act_workers_revoke(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.revoke_certificate(args.org, args.cert, args.reason, at=at)


def _act_elevator_register(call: ActCall) -> Envelopes:
    desk, args, at = call.desk, call.args, call.at
    return desk.register_elevator(
        args.code, at=at, registration_no=args.registration_no, user_unit=args.user_unit,
        site_category=args.site_category, district=args.district, address=args.address,
        rescue_code=args.rescue_code, registration_code=args.registration_code,
    )


# --- parsing the compact forms ---------------------------------------------------------------------------------


def _instant(text: str, option: str) -> int:
    try:
        return instant_from_text(text)
    except ValueError:
        raise ConfigurationError(f"{option} {text!r}: use YYYY-MM-DDTHH:MM:SSZ (UTC)", code="argument.time") from None


def _dates(parts: list[str], day: date, what: str) -> tuple[str, str]:
    if not parts:
        try:
            until = day.replace(year=day.year + DEFAULT_VALIDITY_YEARS)
        except ValueError:  # 29 February
            until = day.replace(year=day.year + DEFAULT_VALIDITY_YEARS, day=28)
        return day.isoformat(), until.isoformat()
    if len(parts) != 2:
        raise ConfigurationError(f"{what}: give both dates FROM:UNTIL (YYYY-MM-DD) or neither", code="argument.dates")
    for part in parts:
        try:
            date_from_text(part)
        except ValueError:
            raise ConfigurationError(f"{what}: {part!r} is not a date YYYY-MM-DD", code="argument.dates") from None
    return parts[0], parts[1]


def _licence(text: str, day: date) -> Licence:
    from producers.registry import Licence

    kind, _, rest = text.partition(":")
    number, _, dates = rest.partition(":")
    if not kind or not number:
        raise ConfigurationError(f"--licence {text!r}: write KIND:NUMBER[:FROM:UNTIL]", code="argument.licence")
    valid_from, valid_until = _dates(dates.split(":") if dates else [], day, f"--licence {text!r}")
    return Licence(kind, number, valid_from, valid_until)


def _certificate(text: str, day: date, person_roles: Sequence[str]) -> Certificate:
    from producers.registry import Certificate

    number, *rest = text.split(":")
    if rest and rest[0]:
        category = rest[0]
    elif len(set(person_roles)) == 1:
        category = CERT_CATEGORY_FOR_ROLE[person_roles[0]]
    else:
        raise ConfigurationError(f"{text!r}: name the category (CERT_NO:CATEGORY); the organization's roles do not "
                                 "decide it", code="argument.certificate")
    valid_from, valid_until = _dates(rest[1:], day, text)
    return Certificate(number, category, valid_from, valid_until)


# --- reading ---------------------------------------------------------------------------------------------------


def cmd_keys_show(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import load_signing_key

    key = load_signing_key(args.file)
    if args.public:
        sys.stdout.write(key.public.base64 + "\n")
        return EXIT_OK
    shown = {"key_file": str(Path(args.file)), "key_id": key.key_id, "public_key": key.public.base64}
    if args.json:
        print_json(shown)
    else:
        console().print(f"key file    {shown['key_file']}\nkey id      {key.key_id}\n"
                        f"public key  {key.public.base64}\n"
                        "Hand the public key to the registry (it is what `orgs register --public-key` takes); "
                        "keep the file.")
    return EXIT_OK


def cmd_orgs_list(args: argparse.Namespace) -> int:
    with _registry(args) as registry:
        found = registry.organizations(args.role)
    if args.json:
        print_json({"organizations": found, "total": len(found)})
        return EXIT_OK
    from rich.table import Table

    table = Table(title=f"registered organizations ({len(found)})", title_justify="left", show_edge=False)
    for column in ("统一社会信用代码", "name", "roles", "district", "licences valid", "active keys", "certificates"):
        table.add_column(column, overflow="fold")
    for org in found:
        valid = sum(lic["valid_now"] for lic in org["licences"])
        table.add_row(org["org"], org["name"], ", ".join(org["roles"]), org.get("district") or "—",
                      f"{valid}/{len(org['licences'])}", str(org["active_keys"]), str(len(org["certificates"])))
    console().print(table)
    return EXIT_OK


def cmd_orgs_show(args: argparse.Namespace) -> int:
    with _registry(args) as registry:
        org = registry.organization(args.org)
    if args.json:
        print_json(org)
        return EXIT_OK
    lines = [f"{org['org']}  {org['name']}", f"roles       {', '.join(org['roles'])}",
             f"district    {org.get('district') or '—'}"]
    lines += [f"licence     {lic['licence_no']} {lic['kind']} {lic['valid_from']} → {lic['valid_until']}"
              f"{'' if lic['valid_now'] else '  (not valid now)'}" for lic in org["licences"]]
    lines += [f"key         {k['key_id']} {k['state']} from {k['valid_from']}"
              f"{' device ' + k['device'] if 'device' in k else ''}" for k in org["keys"]]
    lines += [f"certificate {c['cert_no']} {c['category']} {c['valid_from']} → {c['valid_until']}"
              for c in org["certificates"]]
    console().print("\n".join(lines))
    return EXIT_OK

