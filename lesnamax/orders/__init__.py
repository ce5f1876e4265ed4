"""Orders: the records a checkout produces, with one table of status transitions."""
