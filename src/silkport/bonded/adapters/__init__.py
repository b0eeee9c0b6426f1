"""bonded adapters."""
