"""Bonded operations: exact ledgers for bonded warehouses, aircraft maintenance and aviation fuel."""
