"""The cart: kept in the database for visitors and customers alike."""
