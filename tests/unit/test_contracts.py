"""Code follows contracts/: generated stubs are fresh, the served OpenAPI is the contract, events fit their schemas."""

import difflib
import json
import uuid
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml

from bank.domain import events, holds, model
from bank.domain.holds import Action, CloseRequest, HoldRequest
from gateway.config import Settings
from gateway.main import create_app
from kernel import clock
from scripts.generate_contracts import generate

ROOT = Path(__file__).resolve().parents[2]


def schema(name: str) -> dict:
    return json.loads((ROOT / "contracts" / "schemas" / name).read_text())


def test_generated_stubs_match_the_protos(tmp_path: Path) -> None:
    generate(tmp_path)
    committed = {p.name: p.read_text() for p in (ROOT / "generated").iterdir() if p.is_file()}
    fresh = {p.name: p.read_text() for p in tmp_path.iterdir() if p.is_file()}
    assert committed.keys() == fresh.keys(), "run `make gen`"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated files (run `make gen`): {stale}"


def test_served_openapi_is_the_contract() -> None:
    contract = yaml.safe_load((ROOT / "contracts" / "openapi.yaml").read_text())
    served = create_app(Settings(environment="development")).openapi()
    if served != contract:
        dump = lambda d: yaml.safe_dump(d, sort_keys=True).splitlines()  # noqa: E731
        diff = "\n".join(difflib.unified_diff(dump(contract), dump(served), "contract", "served", lineterm=""))
        raise AssertionError(f"the gateway's OpenAPI differs from contracts/openapi.yaml:\n{diff}")


def _account() -> model.Account:
    return model.Account(id=uuid.uuid4(), balance=Decimal("100"), currency="RUB", updated_at=clock.now())


def test_transfer_event_payload_fits_its_schema() -> None:
    sender, recipient = _account(), _account()
    request = model.TransferRequest.parse(str(sender.id), str(recipient.id), "12.3", "RUB", "lunch")
    event = events.transfer_completed(model.transfer(sender, recipient, request))
    jsonschema.validate(event.payload, schema("transfer_event.json"), format_checker=jsonschema.FormatChecker())


def test_topup_event_payload_fits_its_schema() -> None:
    account = _account()
    request = model.DepositRequest.parse(str(account.id), "5", "RUB", "pay-1", "top-1", "4242", "visa")
    event = events.topup_completed(model.deposit(account, request))
    jsonschema.validate(event.payload, schema("topup_event.json"), format_checker=jsonschema.FormatChecker())


def test_hold_event_payloads_fit_their_schema() -> None:
    payer, recipient = _account(), _account()
    request = HoldRequest.parse(str(payer.id), str(recipient.id), "30", "RUB", None, 60)
    hold = holds.place(payer, recipient, request)
    placed = events.hold_placed(hold)
    transfer = holds.capture(hold, payer, recipient, CloseRequest.parse(str(hold.id), Action.CAPTURE, "12.5"))
    captured = events.hold_captured(hold)
    assert captured.payload["captured_amount"] == "12.50" and captured.payload["transfer_id"] == str(transfer.id)
    voided, expired = events.hold_voided(hold), events.hold_expired(hold)
    for event in (placed, captured, voided, expired):
        jsonschema.validate(event.payload, schema("hold_event.json"), format_checker=jsonschema.FormatChecker())
    without = {k: v for k, v in captured.payload.items() if k != "transfer_id"}
    with pytest.raises(jsonschema.ValidationError):  # a capture names its transfer; no other event has one
        jsonschema.validate(without, schema("hold_event.json"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**placed.payload, "transfer_id": str(transfer.id)}, schema("hold_event.json"))


def test_asyncapi_names_the_topic_and_both_event_schemas() -> None:
    doc = yaml.safe_load((ROOT / "contracts" / "asyncapi.yaml").read_text())
    assert "wallet.operations" in json.dumps(doc)
    text = (ROOT / "contracts" / "asyncapi.yaml").read_text()
    assert "schemas/transfer_event.json" in text
    assert "schemas/hold_event.json" in text
    for event_type in ("HoldPlaced", "HoldCaptured", "HoldVoided", "HoldExpired"):
        assert doc["components"]["messages"][event_type]["payload"] == {"$ref": "schemas/hold_event.json"}
