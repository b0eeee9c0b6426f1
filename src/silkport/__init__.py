"""silkport."""
