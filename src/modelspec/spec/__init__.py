"""Spec library: typed models, JSON Schema, safe loader, GPU naming."""
