"""The registry acts from the command line: organizations, keys, licences, certificates, elevators; template; sign.

Each act is a regulator's signed record, decided by the ledger like any other: an organization that tries to
register itself, a rotated-out key, a revoked licence and a typo in a 统一社会信用代码 are all refused with their
codes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from api.cli import main
from producers.world import make_uscc

USER = make_uscc("310115", 1)
MAINTAINER = make_uscc("310115", 2)
MAKER = make_uscc("310115", 3)
CODE = "311031001202400001"


class Cli:
    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp, self.capsys, self.monkeypatch = tmp, capsys, monkeypatch
        monkeypatch.setenv("LIFTLEDGER_STORE", f"sqlite:///{tmp}/city.sqlite")
        monkeypatch.chdir(tmp)

    def __call__(self, *argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            import io

            self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self(*argv, "--json")
        assert code == 0, err
        return orjson.loads(out)

    def lines(self, *argv: str, stdin: bytes | None = None, expect: int = 0) -> list[dict[str, Any]]:
        code, out, err = self(*argv, stdin=stdin)
        assert code == expect, (out, err)
        return [orjson.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    run = Cli(tmp_path, capsys, monkeypatch)
    assert run("init", "--json")[0] == 0
    assert run("keys", "new", "--out", "maintainer.key")[0] == 0
    return run


def _public(cli: Cli, key: str) -> str:
    code, out, _ = cli("keys", "show", key, "--public")
    assert code == 0
    return out.strip()


def _register_maintainer(cli: Cli) -> list[dict[str, Any]]:
    return cli.lines("orgs", "register", "--key", "regulator.key", "--org", MAINTAINER, "--name", "安心电梯维保",
                     "--role", "maintainer", "--district", "浦东新区", "--public-key", _public(cli, "maintainer.key"),
                     "--licence", "maintenance:TS3310001", "--worker", "T-0001", "--worker", "T-0002", "--json")


def test_keys_show_prints_what_the_registry_needs_and_never_the_key(cli: Cli) -> None:
    shown = cli.json("keys", "show", "maintainer.key")
    assert set(shown) == {"key_file", "key_id", "public_key"} and len(shown["key_id"]) == 32
    assert _public(cli, "maintainer.key") == shown["public_key"]
    assert "PRIVATE" not in cli("keys", "show", "maintainer.key")[1]


def test_register_an_organization_with_key_licence_and_people_then_list_and_show_it(cli: Cli) -> None:
    outcomes = _register_maintainer(cli)
    assert [o["status"] for o in outcomes] == ["accepted"] * 5
    listed = cli.json("orgs", "list")
    assert listed["total"] == 2 and [o["org"] for o in listed["organizations"]][1] == MAINTAINER
    shown = cli.json("orgs", "show", MAINTAINER)
    assert shown["roles"] == ["maintainer"] and shown["district"] == "浦东新区" and shown["active_keys"] == 1
    assert shown["licences"][0]["kind"] == "maintenance" and shown["licences"][0]["valid_now"]
    assert [c["cert_no"] for c in shown["certificates"]] == ["T-0001", "T-0002"]
    assert {c["category"] for c in shown["certificates"]} == {"T"}  # the maintainer's people are 电梯修理 T
    assert cli.json("orgs", "list", "--role", "maintainer")["total"] == 1
    code, out, _ = cli("orgs", "list")
    assert code == 0 and "安心电梯维保" in out
    code, _, err = cli("orgs", "show", USER)
    assert code == 1 and "org.unknown" in err


def test_an_organization_cannot_register_itself(cli: Cli) -> None:
    _register_maintainer(cli)
    code, _, err = cli("orgs", "register", "--key", "maintainer.key", "--org", MAKER, "--name", "自封制造",
                       "--role", "manufacturer")
    assert code == 1 and "role.forbidden" in err and "not a regulator" in err
    assert cli("keys", "new", "--out", "stranger.key")[0] == 0
    code, _, err = cli("orgs", "register", "--key", "stranger.key", "--org", MAKER, "--name", "x",
                       "--role", "insurer")
    assert code == 2 and "registry.key_unknown" in err
    assert cli.json("orgs", "list")["total"] == 2


def test_a_mistyped_uscc_is_refused_with_its_path(cli: Cli) -> None:
    wrong = MAINTAINER[:-1] + ("0" if MAINTAINER[-1] != "0" else "1")
    code, out, _ = cli("orgs", "register", "--key", "regulator.key", "--org", wrong, "--name", "x",
                       "--role", "user_unit")
    assert code == 1 and "schema.invalid" in out and "payload.org" in out and "check character" in out


def test_rotate_then_revoke_keys(cli: Cli) -> None:
    _register_maintainer(cli)
    old = cli.json("keys", "show", "maintainer.key")["key_id"]
    assert cli("keys", "new", "--out", "maintainer2.key")[0] == 0
    rotated = cli.lines("keys", "rotate", "--key", "regulator.key", "--org", MAINTAINER, "--old", old,
                        "--public-key", _public(cli, "maintainer2.key"), "--json")
    assert [o["status"] for o in rotated] == ["accepted", "accepted"]
    keys = {k["key_id"]: k["state"] for k in cli.json("orgs", "show", MAINTAINER)["keys"]}
    assert keys[old] == "revoked" and list(keys.values()).count("active") == 1
    new = cli.json("keys", "show", "maintainer2.key")["key_id"]
    revoked = cli.lines("keys", "revoke", "--key", "regulator.key", "--org", MAINTAINER, "--key-id", new,
                        "--reason", "泄露", "--json")
    assert revoked[0]["status"] == "accepted"
    assert cli.json("orgs", "show", MAINTAINER)["active_keys"] == 0


def test_workers_and_licences(cli: Cli) -> None:
    _register_maintainer(cli)
    assert cli.lines("workers", "certify", "--key", "regulator.key", "--org", MAINTAINER, "--cert", "T-0003",
                     "--cert", "T-0004:T:2025-01-01:2029-01-01", "--json")[1]["status"] == "accepted"
    certs = {c["cert_no"]: c for c in cli.json("orgs", "show", MAINTAINER)["certificates"]}
    assert certs["T-0004"]["valid_until"] == "2029-01-01" and len(certs) == 4
    assert cli.lines("workers", "revoke", "--key", "regulator.key", "--org", MAINTAINER, "--cert", "T-0003",
                     "--reason", "离职", "--json")[0]["status"] == "accepted"
    assert "revoked_at" in {c["cert_no"]: c for c in cli.json("orgs", "show", MAINTAINER)["certificates"]}["T-0003"]
    assert cli.lines("licences", "revoke", "--key", "regulator.key", "--org", MAINTAINER, "--licence-no",
                     "TS3310001", "--reason", "吊销", "--json")[0]["status"] == "accepted"
    assert not cli.json("orgs", "show", MAINTAINER)["licences"][0]["valid_now"]
    code, _, err = cli("licences", "grant", "--key", "regulator.key", "--org", MAINTAINER, "--licence", "repair")
    assert code == 2 and "argument.licence" in err
    code, _, err = cli("workers", "certify", "--key", "regulator.key", "--org", MAINTAINER,
                       "--cert", "T-9:T:2025-01-01")
    assert code == 2 and "argument.dates" in err


def test_out_writes_signed_envelopes_that_append_accepts(cli: Cli) -> None:
    code, out, _ = cli("orgs", "register", "--key", "regulator.key", "--org", USER, "--name", "阳光物业",
                       "--role", "user_unit", "--out", "-")
    (envelope,) = [orjson.loads(line) for line in out.splitlines()]
    assert code == 0 and envelope["type"] == "OrganizationRegistered" and len(envelope["signature"]) == 88
    assert cli.json("orgs", "list")["total"] == 1  # nothing appended yet
    Path(cli.tmp / "acts.jsonl").write_text(out)
    assert cli.lines("append", "acts.jsonl")[0]["status"] == "accepted"
    assert cli.json("orgs", "list")["total"] == 2


def test_template_sign_append_a_contract_and_a_maintenance_record(cli: Cli) -> None:
    _register_maintainer(cli)
    cli.lines("orgs", "register", "--key", "regulator.key", "--org", USER, "--name", "阳光物业", "--role",
              "user_unit", "--json")
    kinds = cli.json("template", "--list")["types"]
    assert {"type": "MaintenancePerformed", "roles": {"maintainer": ["maintenance"]}, "stream": "elevator",
            "persons": {"worker": 1}} in kinds
    code, out, err = cli("template", "MaintenancePerformed", "--org", MAINTAINER, "--code", CODE)
    assert code == 1 and "--person" in err and "actor.persons" in err
    code, out, _ = cli("template", "MaintenancePerformed", "--org", MAINTAINER, "--code", CODE,
                       "--person", "T-0001:worker", "--set", "payload.contract_no=WB-7", "--at",
                       "2030-01-02T03:00:00Z")
    unsigned = orjson.loads(out)
    assert "event_id" not in unsigned and "signature" not in unsigned
    assert unsigned["payload"]["contract_no"] == "WB-7" and unsigned["payload"]["ended_at"] == "2030-01-02T03:00:00Z"
    assert len(unsigned["payload"]["results"]) > 20  # every half-month item
    signed = cli.lines("sign", "--key", "maintainer.key", stdin=out.encode())
    assert signed[0]["event_id"][14] == "7" and signed[0]["key_id"] == cli.json("keys", "show",
                                                                                 "maintainer.key")["key_id"]


def test_sign_names_the_path_of_a_missing_field_and_signs_nothing(cli: Cli) -> None:
    unsigned = {"type": "MaintenancePerformed", "equipment_code": CODE, "occurred_at": "2025-01-01T00:00:00Z",
                "actor": {"org": MAINTAINER, "role": "maintainer"}, "payload": {"tier": "half_month"}}
    code, out, err = cli("sign", "--key", "maintainer.key", stdin=orjson.dumps(unsigned) + b"\n")
    assert code == 1 and out == ""
    assert "line 1: schema.invalid: Field required (at payload.contract_no)" in err
    unsigned["occurred_at"] = "2025-01-01 00:00"
    code, out, err = cli("sign", "--key", "maintainer.key", stdin=orjson.dumps(unsigned) + b"\n")
    assert code == 1 and "(at occurred_at)" in err
