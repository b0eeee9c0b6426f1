"""The international legal service desk: cross-border dispute cases from intake to enforcement."""
