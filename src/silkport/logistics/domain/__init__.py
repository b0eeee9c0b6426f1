"""The pure core of logistics: identifiers, consignments and service-level clocks (no I/O, no clock reads)."""
