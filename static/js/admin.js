// Small behaviours of the admin pages (no inline scripts: the CSP forbids them).
"use strict";
