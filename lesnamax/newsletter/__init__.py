"""The newsletter: campaigns the owner writes, sent only to customers whose marketing consent
is in force when each message leaves, with a one-click unsubscribe (RFC 8058)."""
