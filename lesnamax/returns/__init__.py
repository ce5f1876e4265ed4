"""Returns: the customer's withdrawal from the contract (14 days) and the owner's returns."""
