/*
 * poll.js: while the app is open, each confirmed account long-polls its
 * pending requests (§2.2): a fresh server nonce, then GET /app/v1/requests
 * with wait=25, signed, again and again. Errors back off (2, 4, 8 ... 60
 * seconds); unknown_device, locked and not_confirmed stop the account's
 * poller, which reports that state. now() cuts a wait short and asks at
 * once, for a push message or a notification click.
 */

import * as api from "./api.js";

/** WAIT is the long poll's wait, the protocol's maximum. */
export const WAIT = 25;

// PENDING_PAUSE is the pause between listings while requests are pending:
// the server answers at once then, and the app only needs to notice that a
// request ended elsewhere (answered, replaced, expired).
const PENDING_PAUSE = 4000;

// STOPPING are the errors after which polling cannot succeed.
const STOPPING = new Set(["unknown_device", "locked", "not_confirmed"]);

/**
 * Poller polls one account. onRequests(account, requests) gets every
 * listing; onState(account, state, error) gets "ok", "offline" (retrying),
 * "clock" (stale: retrying), or a stopping error code.
 */
export class Poller {
  constructor(account, onRequests, onState) {
    this.account = account;
    this.onRequests = onRequests;
    this.onState = onState;
    this.stopped = true;
    this.immediate = false;
    this.ctl = null;
    this.wake = null;
  }

  start() {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    // The first listing answers at once: pending requests show as soon as
    // the app opens, and so does the state of the connection.
    this.immediate = true;
    this.loop();
  }

  stop() {
    this.stopped = true;
    this.interrupt();
  }

  /**
   * now asks at once, without waiting. It also restarts a poller that
   * stopped on unknown_device, locked or not_confirmed: a push message, the
   * app coming back to the foreground or "Try again now" check once more
   * (after a PIN reset, a locked device works again).
   */
  now() {
    this.immediate = true;
    if (this.stopped) {
      this.start();
      return;
    }
    this.interrupt();
  }

  interrupt() {
    if (this.ctl) {
      this.ctl.abort();
    }
    if (this.wake) {
      this.wake();
    }
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  async loop() {
    let failures = 0;
    while (!this.stopped) {
      const wait = this.immediate ? 0 : WAIT;
      this.immediate = false;
      this.ctl = new AbortController();
      try {
        const requests = await api.listRequests(this.account, wait, this.ctl.signal);
        failures = 0;
        if (this.stopped) {
          break;
        }
        this.onState(this.account, "ok");
        this.onRequests(this.account, requests);
        if (requests.length > 0 && !this.immediate) {
          await this.sleep(PENDING_PAUSE);
        }
      } catch (e) {
        if (this.stopped) {
          break;
        }
        if (e && e.name === "AbortError") {
          continue; // now(): start again at once
        }
        if (e instanceof api.ApiError && STOPPING.has(e.code)) {
          this.stopped = true;
          this.onRequests(this.account, []);
          this.onState(this.account, e.code, e);
          break;
        }
        failures++;
        this.onState(this.account, e instanceof api.ApiError && e.code === "stale" ? "clock" : "offline", e);
        await this.sleep(Math.min(60, 2 ** Math.min(failures, 6)) * 1000);
      } finally {
        this.ctl = null;
      }
    }
  }
}
