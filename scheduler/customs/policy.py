"""How the simulated customs decides at one moment (S-2): switch, failure rate, delays, watch list.

The portal's glue (scheduler/simulator.py) loads a Policy from the settings register and the active
watch list; a consumer on another machine gets it from its `policy_loader`. Customs itself never
reads the portal's tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping


@dataclass(frozen=True)
class Policy:
    """The simulator's settings as customs sees them.

    enabled       False: customs answers no business decision (format and signature checks still answer)
    failure_rate  share of messages whose receipt fails (the deterministic draw of decide.failure_draw)
    delays        Setting key (e.g. "delay_list_seconds") → seconds a record waits before that step
    watch_list    enterprise USCC → the opinion customs refuses with where the lifecycle has a refusal
    skip_delays   staff's "run customs now": every open case is due, the same decisions without waiting
    """

    enabled: bool = True
    failure_rate: float = 0.0
    delays: Mapping[str, int] = field(default_factory=dict)
    watch_list: Mapping[str, str] = field(default_factory=dict)
    skip_delays: bool = False

    def delay(self, key: str | None) -> timedelta:
        """Return the wait of the delay setting `key` (none with skip_delays); an unknown key is a bug."""
        if self.skip_delays or key is None:
            return timedelta(0)
        if key not in self.delays:
            raise KeyError(f"unknown simulator delay {key!r}: the policy must carry every delay setting")
        return timedelta(seconds=int(self.delays[key]))

    def opinion_for(self, cop_code: str | None) -> str | None:
        """Return the watch-list opinion for the sender's USCC, or None when it is not listed."""
        return self.watch_list.get(cop_code) if cop_code else None
