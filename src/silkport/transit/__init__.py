"""transit."""
