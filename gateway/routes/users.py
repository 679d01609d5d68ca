"""POST /users, GET /me and POST /me/accounts."""

from fastapi import APIRouter, status

from gateway import schemas
from gateway.deps import BankDep, SettingsDep
from gateway.problem_details import ProblemError, problem_responses
from gateway.security import ClientAddress, MoneyMover, RateLimitsDep, User

router = APIRouter(tags=["users"])


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.UserProfile,
    responses=problem_responses(400, 409, 429, 503, 504),
    summary="Register a user, with a first account (balance 0.00)",
    operation_id="createUser",
)
async def create_user(
    body: schemas.UserCreate, bank: BankDep, limits: RateLimitsDep, settings: SettingsDep, address: ClientAddress
) -> schemas.UserProfile:
    """Creates a customer and its first account in `currency`. Log in afterwards with POST /auth/token."""
    await limits.hit(settings.rate_limit_signup, "signup", address)
    return await bank.register(body)


@router.get(
    "/me",
    response_model=schemas.UserProfile,
    responses=problem_responses(401, 503, 504),
    summary="The logged-in user and its accounts",
    operation_id="getMe",
)
async def me(user: User, bank: BankDep) -> schemas.UserProfile:
    try:
        return await bank.user(user)
    except ProblemError as problem:
        if problem.code != "user_not_found":
            raise
        # A user of an external identity provider before its first account: known by its token only.
        return schemas.UserProfile(user_id=user.subject, username=user.username, role=user.role, accounts=[])


@router.post(
    "/me/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.Balance,
    responses=problem_responses(400, 401, 403, 429, 503, 504),
    summary="Open another account for the logged-in user",
    operation_id="openAccount",
)
async def open_account(body: schemas.AccountCreate, user: MoneyMover, bank: BankDep) -> schemas.Balance:
    return await bank.open_account(user, body)
