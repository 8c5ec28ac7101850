/*
 * wait.js: the pages that wait for the EU Login Mobile App (the number of a
 * login, the QR code of a new device) long-poll the JSON status endpoint
 * named by form[data-wait-status] and submit that form once the app has
 * answered ({"done": true}). Without JavaScript the form's own button does
 * the same. Load it with <script src="..." defer>; no inline script.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-wait-status]");
  if (!form || !window.fetch) {
    return;
  }
  var url = form.getAttribute("data-wait-status");
  var failures = 0;

  function poll() {
    fetch(url + "?wait=20", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error("status " + resp.status);
        }
        return resp.json();
      })
      .then(function (state) {
        failures = 0;
        if (state && state.done) {
          form.submit();
          return;
        }
        poll();
      })
      .catch(function () {
        // A network hiccup: try again a little later, then leave it to
        // the button.
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, 2000 * failures);
        }
      });
  }
  poll();
})();
