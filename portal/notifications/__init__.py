"""Notifications: in-app for every role, e-mail when SMTP is configured, a short text for urgent events.

Features call ``notify(...)`` (portal.notifications.services) once per event, inside their transaction;
the rows are part of that transaction and the e-mails and texts leave only after it commits
(portal.notifications.delivery).
"""
