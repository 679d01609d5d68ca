"""The public JSON shapes of the REST API (contracts/openapi.yaml); never ORM tables."""

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$"
Amount = Field(
    pattern=AMOUNT_PATTERN,
    description="Decimal string greater than zero with at most 2 decimals",
    examples=["100.50"],
)


class TransferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_account_id: UUID
    amount: str = Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["RUB"])
    description: str | None = Field(default=None, max_length=255)


class Transfer(BaseModel):
    transfer_id: UUID
    from_account_id: UUID
    to_account_id: UUID
    amount: str = Field(examples=["100.50"])
    currency: str
    description: str | None = None
    status: str = Field(examples=["completed"])
    created_at: str = Field(description="RFC 3339 timestamp, UTC")


class Balance(BaseModel):
    account_id: UUID
    balance: str = Field(examples=["1000.00"])
    currency: str
    updated_at: str = Field(description="RFC 3339 timestamp, UTC")


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}
