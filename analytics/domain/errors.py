"""The Analytics service's exception tree; each error names a machine-readable reason shared with clients."""

from kernel.errors import ServiceError


class AnalyticsError(ServiceError):
    """Base of every error the Analytics service reports to its callers."""


class RejectedRequest(AnalyticsError):
    """The request is invalid; retrying it unchanged fails again."""


class InvalidRequest(RejectedRequest):
    reason = "INVALID_REQUEST"


class InvalidPageSize(RejectedRequest):
    reason = "INVALID_PAGE_SIZE"


class InvalidPageToken(RejectedRequest):
    """Not a token this service issued, altered, or issued for other filters."""

    reason = "INVALID_PAGE_TOKEN"


class InvalidTimeRange(RejectedRequest):
    reason = "INVALID_TIME_RANGE"


class StoreUnavailable(AnalyticsError):
    """ClickHouse cannot be reached or cannot answer now; a retry later may succeed."""

    reason = "ANALYTICS_STORE_UNAVAILABLE"


class StoreTimeout(StoreUnavailable):
    reason = "ANALYTICS_STORE_TIMEOUT"
