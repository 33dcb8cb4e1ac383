"""Coordination metrics per agency and per pair of agencies, the leader dashboard, the rakor
report and the public scoreboard. Reads only: nothing imports this app."""
