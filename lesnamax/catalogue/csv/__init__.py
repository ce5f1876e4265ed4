"""Products as CSV: export, and an import checked in full before anything changes.

Three modules pointing one way: ``apply`` (keep the uploaded file between the two steps, write
it) → ``plan`` (read the file, decide each product's fate; also the export, same columns) →
``rows`` (one line's cells into a product's values). The admin's views are admin/csv_io.py.
"""
