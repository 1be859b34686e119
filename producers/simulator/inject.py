"""Injected bad submissions: records the ledger must refuse, each with the code it must refuse them with.

Each is a *separate* submission (its own event id) made from an honest event just recorded, so the honest history
is untouched and every refusal is explained by one ground-truth entry:

- ``forged_signature`` → ``signature.invalid``: signed, then its ``occurred_at`` moved by one second.
- ``wrong_role`` → ``role.forbidden``: the same content signed by a registered organization acting in a role
  that may not record that type (an insurer, or for insurance events a user unit).
- ``schema_error`` → ``schema.invalid``: an unknown payload field, a local time instead of UTC, or a truncated
  JSON line.
"""

from __future__ import annotations

from typing import Any

import orjson

from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.schema import spec_for
from ledger.core.signing import new_event_id, sign_envelope
from producers.client import Producer
from producers.simulator.city import City
from producers.simulator.config import BadSubmissionRates
from producers.simulator.context import Sim
from producers.simulator.unit import Unit

__all__ = ["BadInjector"]

_CODES = {"forged_signature": "signature.invalid", "wrong_role": "role.forbidden", "schema_error": "schema.invalid"}


class BadInjector:
    def __init__(self, rates: BadSubmissionRates, city: City) -> None:
        self.rate = rates.rate
        self.kinds = ["forged_signature", "wrong_role", "schema_error"]
        self.weights = [rates.forged_signature, rates.wrong_role, rates.schema_error]
        self.city = city

    def maybe_inject(self, sim: Sim, unit: Unit, envelope: dict[str, Any], producer: Producer) -> None:
        rng = unit.bad_rng
        if self.rate <= 0 or rng.random() >= self.rate:
            return
        kind = rng.choices(self.kinds, self.weights)[0]
        event_id = new_event_id(sim.now * 1000 + rng.randrange(1000), rng.randbytes)
        base = {k: v for k, v in envelope.items() if k not in ("signature", "key_id")}
        base["event_id"] = event_id
        if kind == "forged_signature":
            value, variant = self._forged(base, producer), "moved_occurred_at"
        elif kind == "wrong_role":
            value, variant = self._wrong_role(base, unit)
        else:
            value, variant = self._schema_error(base, producer, rng.randrange(3))
        line = sim.record_bad(value, sim.router.route(envelope))
        sim.truth.bad(line=line, event_id=event_id, kind=kind, variant=variant, expected_code=_CODES[kind],
                      type=envelope["type"], equipment_code=unit.code)

    @staticmethod
    def _forged(base: dict[str, Any], producer: Producer) -> bytes:
        signed = sign_envelope(base, producer.key)
        signed["occurred_at"] = format_instant(instant_from_text(signed["occurred_at"]) + 1)
        return orjson.dumps(signed)

    def _wrong_role(self, base: dict[str, Any], unit: Unit) -> tuple[bytes, str]:
        spec = spec_for(base["type"])
        assert spec is not None
        signer = self.city.insurers[0] if "insurer" not in spec.roles else unit.user_unit
        role = "insurer" if "insurer" not in spec.roles else "user_unit"
        base["actor"] = {"org": signer.org, "role": role}
        return orjson.dumps(sign_envelope(base, signer.key)), f"signed_as_{role}"

    @staticmethod
    def _schema_error(base: dict[str, Any], producer: Producer, variant: int) -> tuple[bytes, str]:
        if variant == 0:
            base["payload"] = {**base["payload"], "remark_unlisted": "未定义字段"}
            return orjson.dumps(sign_envelope(base, producer.key)), "unknown_payload_field"
        if variant == 1:
            local = format_instant(instant_from_text(base["occurred_at"]) + 8 * 3600)
            base["occurred_at"] = local[:-1] + "+08:00"
            return orjson.dumps(sign_envelope(base, producer.key)), "local_time"
        return orjson.dumps(sign_envelope(base, producer.key))[:-9], "truncated_json"
