"""bonded domain."""
