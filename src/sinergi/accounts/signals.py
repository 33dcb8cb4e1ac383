"""Signals of the accounts app.

``security_notice`` asks for an email to an address about a change to the account (email
or password changed). Accounts sits below notifications, so it cannot queue email itself:
the notifications app connects a receiver that puts the message in its outbox, in the
transaction of the change.
"""

from django.dispatch import Signal

# Sent with: user, to (address), subject, body, now.
security_notice = Signal()
