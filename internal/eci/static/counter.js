// Live character counters for the portal's long text fields: a progressive
// enhancement. The server counts the same way (Unicode code points, CR LF
// as one, surrounding spaces trimmed) and refuses a text that is too long
// whether or not this script runs.
(function () {
  "use strict";
  function count(s) {
    return Array.from(s.replace(/\r\n/g, "\n").trim()).length;
  }
  // The messages come as their plural forms ({"one": …, "other": …}); the
  // page's language picks one, as the server does (the Union's Portuguese
  // is Portugal's).
  var lang = document.documentElement.lang || "en";
  var rules = null;
  try {
    rules = new Intl.PluralRules(lang === "pt" ? "pt-PT" : lang);
  } catch (e) {
    rules = null;
  }
  function forms(json) {
    try {
      return JSON.parse(json) || {};
    } catch (e) {
      return {};
    }
  }
  function pick(f, n) {
    var c = rules ? rules.select(n) : "other";
    return f[c] || f.other || "";
  }
  document.querySelectorAll("[data-maxchars]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-maxchars"), 10);
    var out = document.getElementById(field.id + "-count");
    if (!out || !max) {
      return;
    }
    var left = forms(out.getAttribute("data-left"));
    var over = forms(out.getAttribute("data-over"));
    var timer = null;
    function update() {
      var n = max - count(field.value);
      out.textContent = pick(n >= 0 ? left : over, Math.abs(n)).replace("{n}", String(Math.abs(n)));
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
