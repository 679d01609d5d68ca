"""One log format for every service process."""

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: str) -> None:
    logging.basicConfig(level=level, format=FORMAT)
