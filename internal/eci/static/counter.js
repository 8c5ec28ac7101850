// Live character counters for the portal's long text fields: a progressive
// enhancement. The server counts the same way (Unicode code points, CR LF
// as one, surrounding spaces trimmed) and refuses a text that is too long
// whether or not this script runs.
(function () {
  "use strict";
  function count(s) {
    return Array.from(s.replace(/\r\n/g, "\n").trim()).length;
  }
  document.querySelectorAll("[data-maxchars]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-maxchars"), 10);
    var out = document.getElementById(field.id + "-count");
    if (!out || !max) {
      return;
    }
    var left = out.getAttribute("data-left");
    var over = out.getAttribute("data-over");
    var timer = null;
    function update() {
      var n = max - count(field.value);
      out.textContent = (n >= 0 ? left : over).replace("{n}", String(Math.abs(n)));
      out.classList.toggle("counter--over", n < 0);
    }
    field.addEventListener("input", function () {
      // Screen readers hear the count once the typing pauses.
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    });
    update();
  });
})();
