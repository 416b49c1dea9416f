"""Which clock the UI shows times on: each schedule's own zone, this machine's, or UTC.

One choice for the whole app (`z` cycles it, the status bar says which); every time on screen
goes through `Times.format`, which always names the zone it used. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from tickwork.domain.timezones import zone as iana_zone


class TimeShown(StrEnum):
    SCHEDULE = "schedule"  # each schedule's own zone (what its cron expression means)
    LOCAL = "local"  # this machine's zone
    UTC = "utc"

    @property
    def following(self) -> TimeShown:
        order = list(TimeShown)
        return order[(order.index(self) + 1) % len(order)]


WORDS = {
    TimeShown.SCHEDULE: "schedule zone",
    TimeShown.LOCAL: "local",
    TimeShown.UTC: "UTC",
}


@dataclass(frozen=True)
class Times:
    """The chosen clock, and this machine's zone (None: the system's; tests pin it)."""

    shown: TimeShown = TimeShown.SCHEDULE
    local_zone: tzinfo | None = None

    def zone(self, schedule_tz: str | None = None) -> tzinfo:
        """The zone a time of a schedule (or of no schedule in particular) is shown in."""
        if self.shown == TimeShown.UTC:
            return UTC
        if self.shown == TimeShown.SCHEDULE and schedule_tz:
            return iana_zone(schedule_tz)
        return self.local_zone or _system_zone()

    def at(self, moment: datetime, schedule_tz: str | None = None) -> datetime:
        return moment.astimezone(self.zone(schedule_tz))

    def format(
        self,
        moment: datetime | None,
        schedule_tz: str | None = None,
        *,
        date: bool = True,
        year: bool = True,
        seconds: bool = False,
        millis: bool = False,
        zone: bool = True,
    ) -> str:
        """'2026-03-02 13:00 CET' (or shorter: no year, no date, with seconds, no zone name)."""
        if moment is None:
            return "-"
        local = self.at(moment, schedule_tz)
        fmt = "%H:%M:%S" if seconds or millis else "%H:%M"
        if date:
            fmt = ("%Y-%m-%d " if year else "%m-%d ") + fmt
        text = local.strftime(fmt)
        if millis:
            text += f".{local.microsecond // 1000:03d}"
        return f"{text} {zone_name(local)}" if zone else text

    @property
    def words(self) -> str:
        """'schedule zone', 'local (CET)', 'UTC': what the status bar and headers say."""
        if self.shown == TimeShown.LOCAL:
            return f"local ({zone_name(datetime.now(self.local_zone or _system_zone()))})"
        return WORDS[self.shown]


def zone_name(moment: datetime) -> str:
    """The zone's abbreviation at that moment ('CET', 'CEST'), or its UTC offset."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        offset = moment.strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return name


def _system_zone() -> tzinfo:
    found = datetime.now().astimezone().tzinfo
    return found if found is not None else UTC


def times_of(app: object) -> Times:
    """The app's chosen clock (an app without the choice, like a test host: the default)."""
    found = getattr(app, "times", None)
    return found if isinstance(found, Times) else Times()
