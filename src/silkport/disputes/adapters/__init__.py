"""disputes adapters."""
