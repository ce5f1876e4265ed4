"""Checkout: a process that produces an order. It owns no tables (orders/ does)."""
