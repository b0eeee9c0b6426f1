"""Zone analytics: the indicators of the zone computed by queries on the store, and the report."""
