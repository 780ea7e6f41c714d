"""The volunteer service's own settings (environment, prefix ``VOLUNTEER_``).

The database URL and the platform settings are read by svckit; these are the dispatch
rules a federation may tune.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from volunteer.domain.tasks import CheckInPolicy, WindowRules


class VolunteerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOLUNTEER_", extra="ignore", frozen=True)

    #: how long a volunteer has to answer an offer (minutes)
    offer_ttl_minutes: int = Field(default=120, ge=1, le=7 * 24 * 60)
    #: automatic re-offers of one task (after a decline, lapse, drop-out or no-show)
    #: before it is escalated to the coordinator
    reoffer_limit: int = Field(default=3, ge=0, le=50)
    #: a check-in still open after this many hours is closed by ``close-forgotten``
    checkin_limit_hours: float = Field(default=8.0, gt=0, le=48)
    #: the hours credited to a forgotten check-out (flagged, waits for approval)
    checkin_capped_hours: float = Field(default=2.0, gt=0, le=48)

    #: a task's window must start within this many days from now (events and coordinators)
    task_horizon_days: int = Field(default=90, ge=1, le=366)
    #: and last at most this many days
    task_max_window_days: int = Field(default=90, ge=1, le=366)

    #: who issues service record certificates for a volunteer without a team, and the
    #: contact printed on every certificate (the measures require both)
    certificate_issuer: str = Field(default="聊城市残疾人联合会", min_length=2, max_length=100)
    certificate_contact: str = Field(default="0635-8278001", min_length=3, max_length=100)

    @property
    def offer_ttl(self) -> timedelta:
        return timedelta(minutes=self.offer_ttl_minutes)

    @property
    def policy(self) -> CheckInPolicy:
        return CheckInPolicy(open_limit=timedelta(hours=self.checkin_limit_hours),
                             capped_duration=timedelta(hours=self.checkin_capped_hours))

    @property
    def windows(self) -> WindowRules:
        return WindowRules(horizon=timedelta(days=self.task_horizon_days),
                           max_length=timedelta(days=self.task_max_window_days))
