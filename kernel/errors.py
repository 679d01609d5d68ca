"""The base of every service's own exception tree: a machine-readable reason shared with clients, and a message."""


class ServiceError(Exception):
    reason = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
