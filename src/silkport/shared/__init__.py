"""Value objects and base types used by every bounded context (pure: no I/O)."""
