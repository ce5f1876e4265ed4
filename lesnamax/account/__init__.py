"""Customer accounts: registration, log in, personal details edited inline, password reset, the
customer's own data (export, erasure) and the owner's customer directory (``manage``)."""
