package idp_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"eulogin/internal/audit"
	"eulogin/internal/idp/idptest"
)

// TestConcurrentWrongPasswords fires 50 wrong passwords at one account at
// once, each from its own login flow: no more than the account's limit (5)
// may reach the password check, whatever the interleaving (a burst may
// let fewer through: refused attempts are taken back). Once 5 were
// checked, the right password is refused too until the lockout ends.
func TestConcurrentWrongPasswords(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		loggedIn(t, e, ana)
		id := mustUser(t, e, ana.Email).ID
		browsers := make([]*idptest.Browser, 50)
		for i := range browsers {
			b := e.NewBrowser(t)
			b.Post("/login", url.Values{"email": {ana.Email}})
			b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
			browsers[i] = b
		}
		statuses := make([]int, len(browsers))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, b := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = b.Post("/login/password", url.Values{"password": {"not the password 1"}}).Status
			}()
		}
		close(start)
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		evs, err := e.DB.AuditEvents(t.Context(), id, 500)
		if err != nil {
			t.Fatal(err)
		}
		verified := 0
		for _, ev := range evs {
			if ev.Kind == audit.LoginFailure {
				verified++
			}
		}
		t.Logf("statuses %v; %d wrong passwords checked", counts, verified)
		if verified > 5 {
			t.Errorf("%d wrong passwords were checked, want at most 5 (the account's limit)", verified)
		}
		if counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != len(browsers) {
			t.Errorf("statuses %v, want only 401 and 429", counts)
		}
		if got := counts[http.StatusUnauthorized]; got > 4 {
			t.Errorf("%d answers said the password was wrong, want at most 4 (the 5th check locks)", got)
		}
		if verified == 5 {
			b := e.NewBrowser(t)
			b.Post("/login", url.Values{"email": {ana.Email}})
			b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
			if page := b.Post("/login/password", url.Values{"password": {ana.Password}}); page.Status != http.StatusTooManyRequests {
				t.Errorf("the right password after 5 wrong ones: %d, want 429", page.Status)
			}
		}
	})
}

// TestOwnerGetsInDuringLockout: five wrong passwords from an attacker's
// browser lock the account for everybody but the browser in which the
// owner logged in before, whose own count is separate (docs/adr/0012).
func TestOwnerGetsInDuringLockout(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		owner := loggedIn(t, e, ana) // the owner's browser is now known
		owner.Post("/logout", nil)
		try := func(b *idptest.Browser, pw string) *idptest.Page {
			t.Helper()
			b.Post("/login", url.Values{"email": {ana.Email}})
			b.Post("/login/method", url.Values{"method": {"PASSWORD"}})
			return b.Post("/login/password", url.Values{"password": {pw}})
		}
		attacker := e.NewBrowser(t)
		for range 5 {
			try(attacker, "guess guess guess 1")
		}
		if page := try(attacker, ana.Password); page.Status != http.StatusTooManyRequests {
			t.Fatalf("attacker with the right password during the lockout: %d, want 429", page.Status)
		}
		if page := try(e.NewBrowser(t), ana.Password); page.Status != http.StatusTooManyRequests {
			t.Fatalf("a new browser with the right password during the lockout: %d, want 429", page.Status)
		}
		page := try(owner, ana.Password)
		if page.Status != http.StatusOK || page.URL.Path != "/account" {
			t.Fatalf("the owner's known browser during the lockout: %d at %s, want My Account", page.Status, page.URL)
		}
		// The known browser has its own limit: guesses in it lock it too.
		owner.Post("/logout", nil)
		for range 5 {
			try(owner, "guess guess guess 2")
		}
		if page := try(owner, ana.Password); page.Status != http.StatusTooManyRequests {
			t.Errorf("the known browser after 5 wrong passwords of its own: %d, want 429", page.Status)
		}
	})
}
