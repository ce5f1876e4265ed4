"""Privacy: the policy versions (with the 10-day rule), consents and disclosures to authorities.

What acts on an account (export, erasure, the IP purge) is in the account area, which comes
after this one (docs/architecture.md)."""
