"""Periodic jobs: ``deliver`` sends what is due (a scheduler process; several may run:
rows are claimed with ``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

from svckit.domain.clock import utcnow
from svckit.service import PeriodicJob, ServiceContext

from notify.adapters.providers import GatewaySms, LoggedEmail, LoggedSms, SmtpEmail
from notify.config import NotifySettings
from notify.service_layer import delivery
from notify.service_layer.uow import NotifyUoW


def providers(settings: NotifySettings) -> delivery.Providers:
    sms = (GatewaySms(settings.sms_endpoint, settings.sms_access_key_id,
                      settings.sms_access_key_secret.get_secret_value(), settings.sms_sign_name,
                      timeout=settings.sms_timeout)
           if settings.sms_endpoint else LoggedSms())
    email = (SmtpEmail(settings.smtp_host, settings.smtp_port, sender=settings.mail_from,
                       user=settings.smtp_user,
                       password=settings.smtp_password.get_secret_value(),
                       starttls=settings.smtp_starttls)
             if settings.smtp_host else LoggedEmail())
    return delivery.Providers(sms=sms, email=email)


_providers: dict[int, delivery.Providers] = {}


def deliver(ctx: ServiceContext) -> int:
    settings: NotifySettings = ctx.settings
    found = _providers.setdefault(id(ctx), providers(settings))

    def uow() -> NotifyUoW:
        u = ctx.uow()
        assert isinstance(u, NotifyUoW)
        return u

    return delivery.deliver_due(uow, found, settings.rules, utcnow,
                                limit=settings.batch_size).changed


JOBS = (PeriodicJob("deliver", deliver, 2),)
