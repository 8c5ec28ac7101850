/*
 * botcheck.js: runs the bot check's proof of work for every
 * form[data-botcheck] (see internal/botcheck/doc.go). Load it with
 * <script src="..." defer>; it needs no inline script and works under
 * "script-src 'self'; worker-src 'self'".
 *
 * Form attributes:
 *   data-botcheck          marks the form
 *   data-salt              Challenge.Salt
 *   data-difficulty        Challenge.Difficulty (0: no proof of work, leave the question)
 *   data-worker            URL of botcheck-worker.js (same origin)
 *   data-timeout           optional, seconds before giving up (default 60)
 * Inside the form:
 *   input[name=botcheck_nonce]   hidden input that receives the nonce
 *   [data-botcheck-question]     the fallback question, visible without JS
 *   [data-botcheck-status]       role="status" live region with
 *                                data-text-working and data-text-done
 *
 * Without Workers, or when anything fails, the question is shown again and
 * the form is left to work as it does without JavaScript.
 */
(function () {
  "use strict";

  var MAX_DIFFICULTY = 32;
  var DEFAULT_TIMEOUT_SECONDS = 60;

  function setup(form) {
    if (form.getAttribute("data-botcheck-started") !== null) {
      return;
    }
    form.setAttribute("data-botcheck-started", "");

    var salt = form.getAttribute("data-salt") || "";
    var difficulty = parseInt(form.getAttribute("data-difficulty") || "", 10);
    var workerURL = form.getAttribute("data-worker") || "";
    var nonceInput = form.querySelector("input[name=botcheck_nonce]");
    var question = form.querySelector("[data-botcheck-question]");
    var status = form.querySelector("[data-botcheck-status]");
    var timeout = parseInt(form.getAttribute("data-timeout") || "", 10);
    if (!(timeout > 0)) {
      timeout = DEFAULT_TIMEOUT_SECONDS;
    }

    if (!salt || !workerURL || !nonceInput || !(difficulty >= 1 && difficulty <= MAX_DIFFICULTY) ||
        typeof Worker === "undefined") {
      return; // the no-JavaScript path: the question stays visible
    }

    var state = "working"; // then "done" or "failed"
    var worker = null;
    var timer = null;
    var submitPending = false;
    var submitter = null;
    var unrequired = []; // inputs of the hidden question whose "required" was lifted

    function say(attr) {
      if (!status) {
        return;
      }
      status.hidden = false;
      status.textContent = status.getAttribute(attr) || "";
      // The stylesheet shows a spinner while working and a tick when done.
      status.setAttribute("data-state", attr === "data-text-done" ? "done" : "working");
    }

    function hideQuestion() {
      if (!question) {
        return;
      }
      question.hidden = true;
      var fields = question.querySelectorAll("[required]");
      for (var i = 0; i < fields.length; i++) {
        fields[i].removeAttribute("required");
        unrequired.push(fields[i]);
      }
    }

    function showQuestion() {
      if (!question) {
        return;
      }
      for (var i = 0; i < unrequired.length; i++) {
        unrequired[i].setAttribute("required", "");
      }
      unrequired = [];
      question.hidden = false;
    }

    function stop() {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      if (worker !== null) {
        worker.terminate();
        worker = null;
      }
    }

    function fail() {
      if (state !== "working") {
        return;
      }
      state = "failed";
      stop();
      nonceInput.value = "";
      showQuestion();
      if (status) {
        status.textContent = "";
      }
      if (submitPending && question) {
        var field = question.querySelector("input, select, textarea");
        if (field) {
          field.focus();
        }
      }
      submitPending = false;
    }

    function done(nonce) {
      if (state !== "working") {
        return;
      }
      state = "done";
      stop();
      nonceInput.value = nonce;
      say("data-text-done");
      if (!submitPending) {
        return;
      }
      submitPending = false;
      if (typeof form.requestSubmit === "function") {
        try {
          if (submitter) {
            form.requestSubmit(submitter);
          } else {
            form.requestSubmit();
          }
          return;
        } catch (err) {
          // The submitter left the form: fall through to a plain submit.
        }
      }
      form.submit();
    }

    form.addEventListener("submit", function (event) {
      if (state !== "working") {
        return;
      }
      event.preventDefault();
      submitPending = true;
      submitter = event.submitter || null;
    });

    try {
      nonceInput.value = "";
      worker = new Worker(workerURL);
      worker.addEventListener("message", function (event) {
        var data = event.data || {};
        if (typeof data.nonce === "string" && /^[0-9]{1,20}$/.test(data.nonce)) {
          done(data.nonce);
        } else {
          fail();
        }
      });
      worker.addEventListener("error", fail);
      worker.addEventListener("messageerror", fail);
      hideQuestion();
      say("data-text-working");
      timer = setTimeout(fail, timeout * 1000);
      worker.postMessage({ salt: salt, difficulty: difficulty });
    } catch (err) {
      fail();
    }
  }

  function start() {
    var forms = document.querySelectorAll("form[data-botcheck]");
    for (var i = 0; i < forms.length; i++) {
      setup(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
