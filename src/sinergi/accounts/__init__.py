"""Users, login, API tokens and two-factor readiness."""
