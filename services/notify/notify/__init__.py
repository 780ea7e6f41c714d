"""Notifications (消息通知): SMS, e-mail and the console inbox, from the platform's events."""
