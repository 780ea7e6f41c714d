"""The notifications service's own settings (environment, prefix ``NOTIFY_``)."""

from __future__ import annotations

from datetime import time, timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from notify.domain.notifications import Rules


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", frozen=True)

    #: the SMS gateway (dysmsapi-style HTTP API); empty: SMS are logged, not sent
    sms_endpoint: str = ""
    sms_access_key_id: str = "dev-access-key"
    sms_access_key_secret: SecretStr = SecretStr("dev-access-secret")
    sms_sign_name: str = "残联服务"
    sms_timeout: float = Field(default=10.0, gt=0, le=120)

    #: SMTP for e-mail; empty host: e-mail is logged, not sent
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    mail_from: str = "noreply@cdpf.example.cn"

    #: no SMS between these China wall-clock hours (queued until the end)
    quiet_start_hour: int = Field(default=21, ge=0, le=23)
    quiet_end_hour: int = Field(default=8, ge=0, le=23)
    #: SMS per recipient per China day
    daily_cap: int = Field(default=5, ge=1, le=100)
    #: a deadline breach not read in the district's inbox after this many hours goes to
    #: the city's supervisor staff
    escalate_after_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    #: the supervisor's mailbox an escalation is also e-mailed to (empty: the inbox only)
    escalation_email: str = ""
    #: the console's address as a volunteer's phone reaches it (the offer SMS links to it)
    console_url: str = "http://127.0.0.1:8000/console"
    #: messages a sender pass handles before it yields
    batch_size: int = Field(default=200, ge=1, le=10000)

    @property
    def rules(self) -> Rules:
        return Rules(quiet_start=time(self.quiet_start_hour), quiet_end=time(self.quiet_end_hour),
                     daily_cap=self.daily_cap)

    @property
    def escalate_after(self) -> timedelta:
        return timedelta(hours=self.escalate_after_hours)
