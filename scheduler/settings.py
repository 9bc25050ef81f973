"""Simulator settings (Setting rows, staff-editable), read at call time (S-2)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.models import Setting
from rules.violations import RuleError, Violation
from seed.load import DEFAULT_SETTINGS

ENABLED = "simulation_enabled"
FAILURE_RATE = "receipt_failure_rate"
# Each setting's name on the scheduler page (its key stays visible beside it for the settings register).
SETTING_NAMES = {"simulation_enabled": "模拟海关开关", "delay_receive_seconds": "入库延迟（秒）",
                 "delay_review_seconds": "开始审核延迟（秒）", "delay_decide_seconds": "审批决定延迟（秒）",
                 "delay_certificate_seconds": "证明签发延迟（秒）", "delay_list_seconds": "清单每步延迟（秒）",
                 "receipt_failure_rate": "入库失败比例"}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SimulatorSettings:
    """The simulator switches as read from the settings register at one moment."""

    enabled: bool
    failure_rate: float
    values: dict = field(default_factory=dict)

    def seconds(self, key: str) -> int:
        """Return the delay setting `key` in seconds; an unknown key is a programming error."""
        if key not in self.values:
            raise KeyError(f"unknown simulator setting {key!r}: add it to seed.load.DEFAULT_SETTINGS")
        return int(self.values[key])


def _parse(key: str, raw: str) -> str:
    """Normalise a setting value or raise RuleError S-2 with a Chinese message."""
    text = str(raw).strip()
    if key == ENABLED:
        if text.lower() in TRUE_WORDS:
            return "1"
        if text.lower() in FALSE_WORDS:
            return "0"
        raise RuleError([Violation("S-2", key, "模拟海关开关只能为 1（开）或 0（关）")])
    if key == FAILURE_RATE:
        try:
            rate = float(text)
        except ValueError:
            rate = -1.0
        if not 0.0 <= rate <= 1.0:
            raise RuleError([Violation("S-2", key, "入库失败比例须为 0 到 1 之间的数")])
        return f"{rate:g}"
    if key.startswith("delay_") and key.endswith("_seconds"):
        if not text.isdigit():
            raise RuleError([Violation("S-2", key, "延迟秒数须为非负整数")])
        return str(int(text))
    raise RuleError([Violation("S-2", "key", f"未知的模拟设置项“{key}”")])


def load_settings(session) -> SimulatorSettings:
    """Read every simulator setting now (no caching: staff edits apply on the next tick)."""
    values = {key: default for key, (default, _note) in DEFAULT_SETTINGS.items()}
    values.update({row.key: row.value for row in session.scalars(select(Setting))})
    enabled = str(values.get(ENABLED, "0")).strip().lower() in TRUE_WORDS
    try:
        rate = min(max(float(values.get(FAILURE_RATE, "0")), 0.0), 1.0)
    except ValueError:
        rate = 0.0
    return SimulatorSettings(enabled=enabled, failure_rate=rate, values=values)


def simulator_keys() -> list[str]:
    """Return the editable setting keys in display order."""
    return list(DEFAULT_SETTINGS)


def update_setting(session, key: str, value) -> Setting:
    """Validate and store one simulator setting; the caller commits."""
    normalised = _parse(key, value)
    row = session.scalar(select(Setting).where(Setting.key == key))
    if row is None:
        note = DEFAULT_SETTINGS.get(key, (None, None))[1]
        row = Setting(key=key, value=normalised, note=note)
        session.add(row)
    else:
        row.value = normalised
    session.flush()
    return row
