"""Core: base models, permissions, the audit chain, the clock and the UI shell."""
