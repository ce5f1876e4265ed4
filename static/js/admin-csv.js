// CSV import: show how much of the file has been sent, then that it is being checked.
"use strict";
document.addEventListener("htmx:xhr:progress", (event) => {
  const busy = document.getElementById("csv-busy");
  const bar = document.getElementById("csv-progress");
  if (!busy || !bar || !event.detail.lengthComputable) return;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  if (event.detail.loaded >= event.detail.total) busy.dataset.stage = "checking";
});
