/*
 * autosubmit.js: submits the first form[data-autosubmit] of the page once
 * it has loaded. The CAS login uses it for method=POST: the page's form
 * posts the service ticket to the application. Load it with
 * <script src="..." defer>; it needs no inline script. Without JavaScript
 * the form's own Continue button does the same.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosubmit]");
  if (!form || form.getAttribute("data-autosubmit-started") !== null) {
    return;
  }
  form.setAttribute("data-autosubmit-started", "");
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
  }
  // HTMLFormElement.submit skips the submit event and sends the form as is.
  form.submit();
})();
