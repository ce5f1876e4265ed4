"""Customer accounts (registration and inline editing arrive with the accounts issue)."""
