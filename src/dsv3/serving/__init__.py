"""Serving arithmetic: memory, prices and bills, serving economics. Never opens a file."""
