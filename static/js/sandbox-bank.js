// The sandbox bank's return page: post the signed reply to the shop as soon as the page loads,
// as NestPay's own page does. A file, not an inline script, because of the CSP; without
// JavaScript the visible button does the same.
(function () {
  "use strict";

  function submit(form) {
    // Call the prototype's submit: a posted field named "submit" would hide form.submit.
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form) return;
    var extra = Math.max(0, (parseInt(form.getAttribute("data-repeat"), 10) || 1) - 1);
    if (!extra || !window.fetch) { submit(form); return; }
    // "Duplicate" scenario: post the same reply in the background first, then navigate.
    var copies = [];
    for (var i = 0; i < extra; i++) {
      // data-body: the reply already encoded in its own charset (FormData would be UTF-8).
      copies.push(fetch(form.action, {
        method: "POST", body: form.getAttribute("data-body"),
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        credentials: "include", redirect: "manual"
      }).catch(function () { return null; }));
    }
    Promise.all(copies).then(function () { submit(form); });
  });
})();
