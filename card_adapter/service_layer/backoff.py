"""Exponential backoff with full jitter, so that many retrying workers do not wake up together."""

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float
    cap_s: float
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0-based): uniform in [0, min(cap, base * 2^attempt)]."""
        return self.rng.uniform(0, min(self.cap_s, self.base_s * 2 ** min(attempt, 32)))
