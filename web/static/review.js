// Bulk approval only of what the reviewer has looked at: a KPI's tick box is enabled once its
// details have been opened (the server records one approval per ticked KPI).
(function () {
  "use strict";
  function looked(details) {
    var code = details.getAttribute("data-kpi");
    var boxes = document.querySelectorAll("input[data-needs-look]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-needs-look") === code) { boxes[i].disabled = false; }
    }
  }
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.tagName === "DETAILS" && details.open) { looked(details); }
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    var open = document.querySelectorAll("details[data-kpi][open]");
    for (var i = 0; i < open.length; i++) { looked(open[i]); }
  });
})();
