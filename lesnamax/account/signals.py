"""Questions the account area asks the areas to its right (they may not be imported here).

Both are sent directly (a failing receiver fails the export or the erasure: an export that
leaves data out, or an erasure that leaves it behind, is worse than none):

- ``exporting`` (sender: the account area; ``user``): each receiver returns a dict of sections
  added to the customer's data export (``data.export``);
- ``erasing`` (``user``): inside the erasure's transaction, before its commit; a receiver erases
  what its area holds of the person and never commits.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

exporting = _signals.signal("account-exporting")
erasing = _signals.signal("account-erasing")
