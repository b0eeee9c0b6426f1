"""disputes services."""
