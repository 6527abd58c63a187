// The round's grid: a row typed in but not saved says so, and stops saying so once the
// server has answered with the saved row. The computed value and score come from the server
// (htmx posts the row to its preview endpoint as the user types); no scoring rule lives here.
(function () {
  "use strict";
  function mark(event) {
    var row = event.target.closest && event.target.closest("form.kpirow");
    if (!row) { return; }
    row.classList.add("dirty");
    var note = row.querySelector(".dirty-note");
    if (note) { note.hidden = false; }
  }
  document.addEventListener("input", mark);
  document.addEventListener("change", mark);
})();

// A refused row comes back as 409/422 with the server's reason next to the field and the
// typed values kept: it replaces the row like a saved one (htmx leaves 4xx unswapped).
document.addEventListener("htmx:beforeSwap", function (event) {
  "use strict";
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if ((status === 403 || status === 404 || status === 409 || status === 422) && target &&
      target.classList && target.classList.contains("kpirow")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The server could not act (a dependency down, 5xx): the row stays as typed and says to try
// again, rather than nothing happening.
document.addEventListener("htmx:responseError", function (event) {
  "use strict";
  var target = event.detail.target;
  var row = target && target.closest ? target.closest("form.kpirow") : null;
  if (!row || event.detail.xhr.status < 500) { return; }
  var note = row.querySelector(".try-again");
  if (note) { note.hidden = false; }
});
