"""The Analytics service's exception tree: the errors every service shares (kernel.errors), and its own under
AnalyticsError."""

from kernel.errors import RejectedRequest, ServiceError
from kernel.reasons import Reason


class AnalyticsError(ServiceError):
    """Base of the errors only the Analytics service reports."""


class InvalidPageSize(AnalyticsError, RejectedRequest):
    reason = Reason.INVALID_PAGE_SIZE


class InvalidPageToken(AnalyticsError, RejectedRequest):
    """Not a token this service issued, altered, or issued for other filters."""

    reason = Reason.INVALID_PAGE_TOKEN


class InvalidTimeRange(AnalyticsError, RejectedRequest):
    reason = Reason.INVALID_TIME_RANGE


class StoreUnavailable(AnalyticsError):
    """ClickHouse cannot be reached or cannot answer now; a retry later may succeed."""

    reason = Reason.ANALYTICS_STORE_UNAVAILABLE


class StoreTimeout(StoreUnavailable):
    reason = Reason.ANALYTICS_STORE_TIMEOUT
