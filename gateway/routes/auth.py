"""POST /auth/token (OAuth2 password grant) and GET /.well-known/jwks.json."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from gateway import schemas
from gateway.access_tokens import LocalIssuer
from gateway.deps import BankDep, SettingsDep
from gateway.problem_details import ProblemError, problem_responses
from gateway.security import ClientAddress, RateLimitsDep

router = APIRouter(tags=["auth"])


async def _issuer(request: Request) -> LocalIssuer:
    tokens = request.app.state.tokens
    if not isinstance(tokens, LocalIssuer):
        raise ProblemError(404, "token_endpoint_disabled", "Tokens come from the external identity provider")
    return tokens


@router.post(
    "/auth/token",
    response_model=schemas.Token,
    responses=problem_responses(400, 404, 429, 503, 504),
    summary="Log in: exchange a username and password for an access token",
    operation_id="createToken",
)
async def create_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    issuer: Annotated[LocalIssuer, Depends(_issuer)],
    bank: BankDep,
    limits: RateLimitsDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> schemas.Token:
    """The OAuth2 password grant (form fields `username`, `password`). Attempts are limited per client address, and failed ones per username."""  # noqa: E501
    await limits.hit(settings.rate_limit_login, "login", address)
    await limits.test(settings.rate_limit_failed_login, "failed-login", form.username)
    try:
        user = await bank.authenticate(form.username, form.password)
    except ProblemError as problem:
        if problem.code == "invalid_credentials":
            await limits.hit(settings.rate_limit_failed_login, "failed-login", form.username)
        raise
    token, expires_in = issuer.issue(user.user_id, user.username, user.role)
    return schemas.Token(access_token=token, expires_in=expires_in)


@router.get(
    "/.well-known/jwks.json",
    response_model=schemas.JsonWebKeySet,
    responses=problem_responses(404),
    summary="The public keys that verify access tokens",
    operation_id="getJwks",
)
async def jwks(issuer: Annotated[LocalIssuer, Depends(_issuer)]) -> schemas.JsonWebKeySet:
    return schemas.JsonWebKeySet(**issuer.jwks())
