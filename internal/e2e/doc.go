// Package e2e holds the end-to-end tests: the whole eulogin binary's servers
// (started through app.Run, exactly as "eulogin serve" starts them) driven by
// a real Chromium through the DevTools protocol (chromedp). Steps find
// elements by their visible, translated labels, as a person would.
//
// The tests need Chromium (Debian's package "chromium"); without it they
// skip, or fail when EULOGIN_REQUIRE_ALL=1.
package e2e
