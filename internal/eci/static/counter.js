// Live character counters for the portal's long text fields: a progressive
// enhancement. The server counts the same way (package rules: Unicode code
// points, CR LF as one, surrounding white space trimmed; or, for a field
// marked data-count="nospaces", every character but white space) and
// refuses a text that is too long whether or not this script runs.
(function () {
  "use strict";
  // White space as rules.IsSpace sees it: Unicode's White_Space property.
  // It is listed, not written \s, because JavaScript's \s differs (it lacks
  // U+0085 and adds U+FEFF); a Go test checks this list against the server.
  var space = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  var spaces = new RegExp(space.source, "g");
  var ends = new RegExp("^" + space.source + "+|" + space.source + "+$", "g");
  function count(s, noSpaces) {
    if (noSpaces) {
      return Array.from(s.replace(spaces, "")).length;
    }
    return Array.from(s.replace(/\r\n/g, "\n").replace(ends, "")).length;
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
    var noSpaces = field.getAttribute("data-count") === "nospaces";
    var out = document.getElementById(field.id + "-count");
    if (!out || !max) {
      return;
    }
    var left = forms(out.getAttribute("data-left"));
    var over = forms(out.getAttribute("data-over"));
    var timer = null;
    function update() {
      var n = max - count(field.value, noSpaces);
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
