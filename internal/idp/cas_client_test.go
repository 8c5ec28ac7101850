package idp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	gocas "gopkg.in/cas.v2"

	"eulogin/internal/idp/idptest"
)

// TestCASThirdPartyClient protects an application with a real third-party
// CAS client, gopkg.in/cas.v2: a person logs in through the IdP, the
// application receives the user id and the attributes, a second visit
// needs no login, and logging out of EU Login ends the application's
// session by single logout.
func TestCASThirdPartyClient(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		idpURL, err := url.Parse(e.URL)
		if err != nil {
			t.Fatal(err)
		}
		client := gocas.NewClient(&gocas.Options{URL: idpURL})
		app := httptest.NewServer(client.Handle(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !gocas.IsAuthenticated(r) {
				gocas.RedirectToLogin(w, r)
				return
			}
			a := gocas.Attributes(r)
			fmt.Fprintf(w, "user=%s\nemail=%s\nfirstName=%s\nstrength=%s\nsso=%s\nticketType=%s\n",
				gocas.Username(r), a.Get("email"), a.Get("firstName"), a.Get("strength"), a.Get("sso"), a.Get("ticketType"))
		})))
		t.Cleanup(app.Close)
		registerURL(t, e, app.URL, "casv2", nil)
		e.CreateAccount(t, e.NewBrowser(t), ana)
		id := mustUser(t, e, ana.Email).ID

		b := e.NewBrowser(t) // follows redirects, like a person's browser
		page := b.Get(app.URL + "/protected")
		if page.URL.Path != "/login" || !strings.HasPrefix(page.Input("service"), app.URL+"/protected") {
			t.Fatalf("the application sent the browser to %s (%d %q), want the IdP's login page with the service", page.URL, page.Status, page.H1())
		}
		page = b.LoginFrom(page, ana.Email, ana.Password)
		want := fmt.Sprintf("user=%s\nemail=%s\nfirstName=%s\nstrength=PASSWORD\nsso=false\nticketType=SERVICE\n", id, ana.Email, ana.First)
		if page.Status != 200 || page.Body != want || !strings.HasPrefix(page.URL.String(), app.URL) {
			t.Fatalf("after login: %s %d\n%s\nwant the application's page\n%s", page.URL, page.Status, page.Body, want)
		}
		// The application's own session: no trip to the IdP.
		if page = b.Get(app.URL + "/protected"); page.Body != want {
			t.Errorf("second visit: %s %q, want %q", page.URL, page.Body, want)
		}

		// Logging out of EU Login logs the application out too.
		if page := b.Get("/logout"); page.H1() != "You have been logged out" {
			t.Fatalf("logout: %d %q", page.Status, page.H1())
		}
		page = b.Get(app.URL + "/protected")
		if page.URL.Path != "/login" || page.H1() != "Log in" {
			t.Errorf("after the IdP logout the application shows %s (%d %q), want the IdP's login page", page.URL, page.Status, page.H1())
		}
		// Logging in again gets the application back, by a new ticket.
		page = b.LoginFrom(page, ana.Email, ana.Password)
		if page.Body != want {
			t.Errorf("logging in again: %s %q, want %q", page.URL, page.Body, want)
		}
	})
}
