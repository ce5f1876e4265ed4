"""Contact: messages people send the shop from /contact, kept for a while, then purged."""
