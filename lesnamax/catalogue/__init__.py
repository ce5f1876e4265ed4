"""The catalogue: categories, products, listings, search and the public price list."""
