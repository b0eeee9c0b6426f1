"""bonded services."""
