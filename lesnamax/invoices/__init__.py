"""Invoices and credit notes: numbered per year without gaps, kept as issued, never changed."""
