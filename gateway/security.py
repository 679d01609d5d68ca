"""Who is calling: the bearer token checked on every protected route, roles, and the rate limits per caller."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from gateway.access_tokens import InvalidToken, Principal, TokenVerifier
from gateway.deps import SettingsDep
from gateway.problem_details import ProblemError
from gateway.rate_limits import RateLimits

# auto_error=False: a missing token is answered as our own 401 problem, not FastAPI's plain one.
bearer = OAuth2PasswordBearer(tokenUrl="auth/token", auto_error=False, description="Log in with a Wallet user")
CHALLENGE = 'Bearer realm="wallet"'


async def _verifier(request: Request) -> TokenVerifier:
    return request.app.state.verified_tokens


async def rate_limits(request: Request) -> RateLimits:
    return request.app.state.rate_limits


async def authenticated(
    token: Annotated[str | None, Depends(bearer)], verifier: Annotated[TokenVerifier, Depends(_verifier)]
) -> Principal:
    if not token:
        raise ProblemError(
            401,
            "unauthenticated",
            "Authentication required",
            "send an access token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    try:
        return await verifier.verify(token)
    except InvalidToken as error:
        raise ProblemError(
            401,
            "invalid_token",
            "Invalid access token",
            f"the access token was refused: {error}",
            headers={"WWW-Authenticate": f'{CHALLENGE}, error="invalid_token"'},
        ) from error


async def customer(user: Annotated[Principal, Depends(authenticated)]) -> Principal:
    """Only customers move money; an auditor reads."""
    if user.role != "customer":
        raise ProblemError(403, "forbidden", "Forbidden", f"role {user.role} may read accounts but not move money")
    return user


async def money_mover(
    user: Annotated[Principal, Depends(customer)],
    limits: Annotated[RateLimits, Depends(rate_limits)],
    settings: SettingsDep,
) -> Principal:
    """A customer within its rate limit for money-moving requests."""
    await limits.hit(settings.rate_limit_money, "money", user.subject)
    return user


async def reverser(
    user: Annotated[Principal, Depends(authenticated)],
    limits: Annotated[RateLimits, Depends(rate_limits)],
    settings: SettingsDep,
) -> Principal:
    """Any user within its rate limit for money-moving requests: the Bank decides who may reverse which transfer (its
    recipient's owner, an operator), and answers the others 403 or 404."""
    await limits.hit(settings.rate_limit_money, "money", user.subject)
    return user


async def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's --proxy-headers makes it the forwarded one)."""
    return request.client.host if request.client else "unknown"


User = Annotated[Principal, Depends(authenticated)]
MoneyMover = Annotated[Principal, Depends(money_mover)]
Reverser = Annotated[Principal, Depends(reverser)]
RateLimitsDep = Annotated[RateLimits, Depends(rate_limits)]
ClientAddress = Annotated[str, Depends(client_address)]
