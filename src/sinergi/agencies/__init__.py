"""Agencies, sectors, government affairs, mandates and memberships."""
