// Small behaviours of the admin pages (no inline scripts: the CSP forbids them).
"use strict";

// The deliveries list's "Print" button (no inline handlers: the CSP forbids them).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
