// Small behaviours the shop needs beyond htmx. Loaded as a file because the CSP forbids
// inline scripts; everything here is optional: the pages work without JavaScript.
(function () {
  "use strict";

  // Forms marked data-autosubmit (the hand-over to the bank's page) send themselves; without
  // JavaScript their button does the same.
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosubmit]");
    if (form) form.submit();
  });

  // Escape closes the live search suggestions and keeps focus in the search box; inside an
  // inline edit form it cancels the edit (the same as its "Anulo" link) without saving.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var editing = event.target.closest && event.target.closest(".inline-edit");
    if (editing) {
      var cancel = editing.querySelector("a.cancel");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
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

  // The language links carry ?next= with the address the page was first rendered at. After
  // htmx pushes a new address (filters, pages), point them at it so a switch keeps the filters.
  function syncLanguageLinks() {
    var here = location.pathname + location.search;
    document.querySelectorAll(".lang-switch a[href]").forEach(function (link) {
      var url = new URL(link.href, location.href);
      url.searchParams.set("next", here);
      link.setAttribute("href", url.pathname + url.search);
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", syncLanguageLinks);
  document.addEventListener("htmx:historyRestore", syncLanguageLinks);

  // On "back", htmx puts back a copy of the page's HTML, where the filter form shows the
  // values it was first rendered with (what a visitor ticks later is not in the HTML). Set it
  // from the address instead, which is what the restored grid shows.
  function syncFiltersWithAddress() {
    var form = document.getElementById("filters");
    if (!form) return;
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit") return;
      if (field.type === "checkbox") {
        field.checked = params.getAll(field.name).indexOf(field.value) !== -1;
      } else {
        field.value = params.get(field.name) || "";
        if (field.tagName === "SELECT" && field.selectedIndex < 0) field.value = "";
      }
    });
  }
  document.addEventListener("htmx:historyRestore", syncFiltersWithAddress);

  // Enter in a price field fires "change" and "submit" together: htmx would fetch the same
  // grid twice and push the same address twice (and "back" would then seem to do nothing).
  // Skip a filter request for the address the page already shows.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id !== "filters") return;
    var url = new URL(event.detail.pathInfo.finalRequestPath, location.href);
    if (url.pathname + url.search === location.pathname + location.search) event.preventDefault();
  });

  // Screen readers announce changes in a live region only if the region itself stays in the
  // page; swapped fragments mark their summary with data-status, copied into one that stays.
  // After an inline edit is saved or cancelled, put focus back on its "Ndrysho" button.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id || target.id.indexOf("field-") !== 0) return;
    var swapped = document.getElementById(target.id);
    var edit = swapped && swapped.querySelector("a.edit");
    if (edit) edit.focus();
  });

  var STATUS_REGIONS = {"search-suggestions": "search-status", "product-grid": "listing-status",
                        "marketing": "consent-status"};
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = (event.detail && event.detail.target) || event.target;
    if (!target || !target.id) return;
    var regionId = STATUS_REGIONS[target.id] ||
      (target.id.indexOf("field-") === 0 ? "account-status" : null);
    var status = regionId && document.getElementById(regionId);
    if (!status) return;
    var summary = document.querySelector("#" + target.id + " [data-status]");
    // Cleared when there is nothing to say, so the same message later is announced again.
    status.textContent = summary ? summary.textContent.trim() : "";
  });

  // Leave empty filter fields out of the request, so the address htmx pushes stays short
  // (?sort=price_asc, not ?min_price=&max_price=&material=&sort=price_asc).
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "filters") return;
    var form = event.detail.formData;  // htmx 2: the FormData the request is built from
    Array.from(form.keys()).forEach(function (name) {
      if (form.getAll(name).every(function (value) { return value === ""; })) form.delete(name);
    });
  });

  // A wide table scrolls inside its .table-wrap box on a phone. Keyboard users can scroll it
  // only if the box takes focus, so a box that actually scrolls becomes a labelled region
  // (named after the table's caption or the section's heading).
  function markScrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var named = box.querySelector("caption") ||
          (box.closest("section") || document).querySelector("h1, h2");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", named ? named.textContent.trim() : document.title);
      } else if (!scrolls && box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollableTables);
  document.addEventListener("htmx:afterSettle", markScrollableTables);
  window.addEventListener("resize", markScrollableTables);
})();
