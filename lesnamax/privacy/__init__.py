"""Privacy: the policy in force (a stub until policy versions are stored as data)."""
