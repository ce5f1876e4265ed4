// Small behaviours the shop needs beyond htmx. Loaded as a file because the CSP forbids
// inline scripts; everything here is optional: the pages work without JavaScript.
(function () {
  "use strict";

  // Escape closes the live search suggestions and keeps focus in the search box.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var box = document.getElementById("search-suggestions");
    if (box && box.children.length) {
      box.replaceChildren();
      var input = document.getElementById("search-q");
      if (input) input.focus();
    }
  });

  // Clicking outside the search form closes the suggestions.
  document.addEventListener("click", function (event) {
    var box = document.getElementById("search-suggestions");
    if (box && !event.target.closest(".search")) box.replaceChildren();
  });
})();
