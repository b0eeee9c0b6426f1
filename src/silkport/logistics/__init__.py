"""Logistics: consignments, transport documents, tracking events and corridor delivery clocks."""
