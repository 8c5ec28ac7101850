package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"eulogin/internal/store"
)

// runCAS runs the conformance tests of the CAS tables: the service registry,
// tickets and the services entered by sessions.
func runCAS(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("Services", func(t *testing.T) { testServices(t, open) })
	t.Run("Tickets", func(t *testing.T) { testTickets(t, open) })
	t.Run("UseTicket", func(t *testing.T) { testUseTicket(t, open) })
	t.Run("UseTicketConcurrently", func(t *testing.T) { testUseTicketConcurrently(t, open) })
	t.Run("SessionServices", func(t *testing.T) { testSessionServices(t, open) })
	t.Run("SessionEnd", func(t *testing.T) { testSessionEnd(t, open) })
	t.Run("SweepCAS", func(t *testing.T) { testSweepCAS(t, open) })
	t.Run("DeleteUserCAS", func(t *testing.T) { testDeleteUserCAS(t, open) })
}

func newService(id string) *store.Service {
	return &store.Service{
		ID:         id,
		Name:       "ECI organiser account",
		Names:      map[string]string{"fr": "Compte organisateur ICE", "lv": "Organizatora konts", "el": "Λογαριασμός διοργανωτή"},
		Patterns:   []string{"https://eci.example.org/*", "http://127.0.0.1:8081/login"},
		Strengths:  []string{"PASSWORD_SMS", "PASSWORD_MOBILE_APP"},
		Attributes: []string{"email", "firstName"},
		SLO:        true,
		Proxy:      false,
		CreatedAt:  t0,
		UpdatedAt:  t0,
	}
}

// equalService compares services, times with Equal.
func equalService(a, b store.Service) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	a.CreatedAt, a.UpdatedAt, b.CreatedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func mustPutService(t *testing.T, db *store.DB, s *store.Service) {
	t.Helper()
	if err := db.PutService(t.Context(), s); err != nil {
		t.Fatalf("PutService(%q) = %v, want nil", s.ID, err)
	}
}

func testServices(t *testing.T, open func(t *testing.T) *store.DB) {
	t.Run("PutAndGet", func(t *testing.T) {
		db := open(t)
		want := newService("eci")
		mustPutService(t, db, want)
		got, err := db.Service(t.Context(), "eci")
		if err != nil {
			t.Fatalf("Service(eci) = %v, want nil", err)
		}
		if !equalService(*got, *want) {
			t.Errorf("Service(eci) = %+v, want %+v", *got, *want)
		}
	})

	t.Run("EmptyLists", func(t *testing.T) {
		db := open(t)
		want := &store.Service{ID: "min", Name: "Minimal", CreatedAt: t0, UpdatedAt: t0}
		mustPutService(t, db, want)
		got, err := db.Service(t.Context(), "min")
		if err != nil {
			t.Fatalf("Service(min) = %v, want nil", err)
		}
		if len(got.Names) != 0 || len(got.Patterns) != 0 || got.Strengths != nil || got.Attributes != nil || got.SLO || got.Proxy {
			t.Errorf("Service(min) = %+v, want empty names, patterns, strengths and attributes, no SLO, no proxy", *got)
		}
	})

	t.Run("Upsert", func(t *testing.T) {
		db := open(t)
		mustPutService(t, db, newService("eci"))
		changed := newService("eci")
		changed.Name, changed.Names = "Portal", map[string]string{"ro": "Contul de organizator"}
		changed.Patterns, changed.Strengths, changed.Attributes = []string{"https://new.example.org/"}, nil, nil
		changed.SLO, changed.Proxy = false, true
		changed.CreatedAt, changed.UpdatedAt = t0.Add(time.Hour), t0.Add(time.Hour)
		mustPutService(t, db, changed)
		got, err := db.Service(t.Context(), "eci")
		if err != nil {
			t.Fatalf("Service(eci) = %v, want nil", err)
		}
		want := *changed
		want.CreatedAt = t0 // kept from the first put
		if !equalService(*got, want) {
			t.Errorf("Service(eci) after a second put = %+v, want %+v", *got, want)
		}
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		db := open(t)
		if list, err := db.Services(t.Context()); err != nil || len(list) != 0 {
			t.Errorf("Services() on an empty registry = %v, %v, want none, nil", list, err)
		}
		for _, id := range []string{"zeta", "alpha", "mid"} {
			mustPutService(t, db, newService(id))
		}
		list, err := db.Services(t.Context())
		if err != nil {
			t.Fatalf("Services() = %v", err)
		}
		var ids []string
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		if want := []string{"alpha", "mid", "zeta"}; !slices.Equal(ids, want) {
			t.Errorf("Services() ids = %q, want %q", ids, want)
		}
		if err := db.DeleteService(t.Context(), "mid"); err != nil {
			t.Fatalf("DeleteService(mid) = %v, want nil", err)
		}
		if _, err := db.Service(t.Context(), "mid"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Service(mid) after delete = %v, want %v", err, store.ErrNotFound)
		}
		if err := db.DeleteService(t.Context(), "mid"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteService(mid) again = %v, want %v", err, store.ErrNotFound)
		}
		if _, err := db.Service(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Service(nobody) = %v, want %v", err, store.ErrNotFound)
		}
	})

	t.Run("Unicode", func(t *testing.T) {
		db := open(t)
		want := newService("uni")
		want.Name = `<b>Ķēniņš & "Δημήτρης"</b>`
		want.Names = map[string]string{"lv": "Ķēniņš", "el": "Δημήτρης", "fr": `l'« ICE » & <co>`}
		want.Patterns = []string{"https://bücher.example/ö/*"}
		mustPutService(t, db, want)
		got, err := db.Service(t.Context(), "uni")
		if err != nil || !equalService(*got, *want) {
			t.Errorf("Service(uni) = %+v, %v, want %+v", got, err, *want)
		}
	})
}

func newTicket(hash, kind, userID, sessionHash string) *store.Ticket {
	return &store.Ticket{
		Hash: hash, Kind: kind, ServiceURL: "https://eci.example.org/login?x=1", ServiceID: "eci",
		UserID: userID, SessionHash: sessionHash, Strength: "PASSWORD", Factors: "PASSWORD",
		AuthAt: t0.Add(-time.Minute), CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Second),
	}
}

func equalTicket(a, b store.Ticket) bool {
	for _, p := range [][2]*time.Time{{&a.AuthAt, &b.AuthAt}, {&a.CreatedAt, &b.CreatedAt}, {&a.ExpiresAt, &b.ExpiresAt}, {&a.UsedAt, &b.UsedAt}} {
		if !p[0].Equal(*p[1]) {
			return false
		}
		*p[0], *p[1] = time.Time{}, time.Time{}
	}
	return reflect.DeepEqual(a, b)
}

func mustCreateTicket(t *testing.T, db *store.DB, tk *store.Ticket, ss *store.SessionService) {
	t.Helper()
	if err := db.CreateTicket(t.Context(), tk, ss); err != nil {
		t.Fatalf("CreateTicket(%q) = %v, want nil", tk.Hash, err)
	}
}

func testTickets(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	st := newTicket("h-st", store.TicketService, "u1", "sess")
	st.Renew, st.SSO = true, false
	pgt := newTicket("h-pgt", store.TicketProxyGranter, "u1", "sess")
	pgt.ServiceURL, pgt.Proxies, pgt.ExpiresAt = "https://proxy.example.org/cb", []string{"https://proxy.example.org/cb"}, t0.Add(8*time.Hour)
	pt := newTicket("h-pt", store.TicketProxy, "u1", "")
	pt.SSO, pt.PGTHash, pt.Proxies = true, "h-pgt", []string{"https://b.example.org/cb", "https://a.example.org/cb"}
	for _, tk := range []*store.Ticket{st, pgt, pt} {
		mustCreateTicket(t, db, tk, nil)
	}
	for _, want := range []*store.Ticket{st, pgt, pt} {
		t.Run(want.Kind, func(t *testing.T) {
			got, err := db.TicketByHash(t.Context(), want.Hash)
			if err != nil || !equalTicket(*got, *want) {
				t.Errorf("TicketByHash(%q) = %+v, %v, want %+v, nil", want.Hash, got, err, *want)
			}
		})
	}
	t.Run("Duplicate", func(t *testing.T) {
		if err := db.CreateTicket(t.Context(), newTicket("h-st", store.TicketService, "u1", ""), nil); err == nil {
			t.Error("CreateTicket() with a hash already stored = nil, want an error")
		}
	})
	t.Run("UnknownUser", func(t *testing.T) {
		if err := db.CreateTicket(t.Context(), newTicket("h-x", store.TicketService, "nobody", ""), nil); err == nil {
			t.Error("CreateTicket() for a user that does not exist = nil, want an error")
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		if _, err := db.TicketByHash(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TicketByHash(nope) = %v, want %v", err, store.ErrNotFound)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := db.DeleteTicket(t.Context(), "h-pgt"); err != nil {
			t.Fatalf("DeleteTicket() = %v", err)
		}
		if _, err := db.TicketByHash(t.Context(), "h-pgt"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TicketByHash() after DeleteTicket = %v, want %v", err, store.ErrNotFound)
		}
	})
}

func testUseTicket(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	for _, tk := range []*store.Ticket{
		newTicket("st", store.TicketService, "u1", "s"),
		newTicket("pt", store.TicketProxy, "u1", ""),
		newTicket("pgt", store.TicketProxyGranter, "u1", "s"),
		newTicket("expired", store.TicketService, "u1", "s"),
	} {
		mustCreateTicket(t, db, tk, nil)
	}
	at := t0.Add(2 * time.Second)
	for _, tc := range []struct {
		name, hash string
		now        time.Time
		wantOK     bool
	}{
		{"service ticket", "st", at, true},
		{"service ticket again", "st", at.Add(time.Millisecond), false},
		{"proxy ticket", "pt", at, true},
		{"proxy ticket again", "pt", at, false},
		{"proxy-granting ticket is not single-use", "pgt", at, false},
		{"unknown", "nope", at, false},
		{"expired is spent all the same", "expired", t0.Add(time.Hour), true},
		{"expired again", "expired", t0.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.UseTicket(ctx, tc.hash, tc.now)
			if !tc.wantOK {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("UseTicket(%q) = %+v, %v, want %v", tc.hash, got, err, store.ErrNotFound)
				}
				return
			}
			if err != nil {
				t.Fatalf("UseTicket(%q) = %v, want nil", tc.hash, err)
			}
			if got.Hash != tc.hash || !got.UsedAt.Equal(tc.now) {
				t.Errorf("UseTicket(%q) = hash %q used at %v, want %q used at %v", tc.hash, got.Hash, got.UsedAt, tc.hash, tc.now)
			}
			stored, err := db.TicketByHash(ctx, tc.hash)
			if err != nil || !stored.UsedAt.Equal(tc.now) {
				t.Errorf("TicketByHash(%q) after use = %+v, %v, want used at %v", tc.hash, stored, err, tc.now)
			}
		})
	}
	if got, err := db.TicketByHash(ctx, "pgt"); err != nil || !got.UsedAt.IsZero() {
		t.Errorf("TicketByHash(pgt) = %+v, %v, want unused", got, err)
	}
}

func testUseTicketConcurrently(t *testing.T, open func(t *testing.T) *store.DB) {
	const workers = 20
	db := open(t)
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	mustCreateTicket(t, db, newTicket("st", store.TicketService, "u1", "s"), nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			<-start
			_, errs[i] = db.UseTicket(t.Context(), "st", t0.Add(time.Duration(i+1)*time.Millisecond))
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, store.ErrNotFound):
			t.Errorf("UseTicket() #%d = %v, want nil or %v", i, err, store.ErrNotFound)
		}
	}
	if winners != 1 {
		t.Errorf("successful UseTicket() calls = %d, want 1", winners)
	}
}

func newEntry(ticketHash, sessionHash, userID string, created time.Time) *store.SessionService {
	return &store.SessionService{
		TicketHash: ticketHash, SessionHash: sessionHash, ServiceURL: "https://eci.example.org/login?x=1&y=ö",
		ServiceID: "eci", UserID: userID, CreatedAt: created,
	}
}

func testSessionServices(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	for i, h := range []string{"t3", "t1", "t2"} {
		mustCreateTicket(t, db, newTicket(h, store.TicketService, "u1", "s1"), newEntry(h, "s1", "u1", t0.Add(time.Duration(i)*time.Second)))
	}
	mustCreateTicket(t, db, newTicket("other", store.TicketService, "u1", "s2"), newEntry("other", "s2", "u1", t0))
	if err := db.SetSessionServiceTicket(ctx, "t1", "ST-validated"); err != nil {
		t.Fatalf("SetSessionServiceTicket(t1) = %v, want nil", err)
	}
	if err := db.SetSessionServiceTicket(ctx, "none", "ST-x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetSessionServiceTicket(none) = %v, want %v", err, store.ErrNotFound)
	}
	listed, err := db.SessionServices(ctx, "s1")
	if err != nil || len(listed) != 3 {
		t.Fatalf("SessionServices(s1) = %+v, %v, want 3 entries", listed, err)
	}
	got, err := db.TakeSessionServices(ctx, "s1")
	if err != nil {
		t.Fatalf("TakeSessionServices(s1) = %v", err)
	}
	var hashes []string
	for _, e := range got {
		hashes = append(hashes, e.TicketHash)
	}
	if want := []string{"t3", "t1", "t2"}; !slices.Equal(hashes, want) {
		t.Errorf("TakeSessionServices(s1) tickets = %q, want %q (oldest first)", hashes, want)
	}
	want := newEntry("t1", "s1", "u1", t0.Add(time.Second))
	want.Ticket = "ST-validated"
	if len(got) == 3 {
		g := got[1]
		if !g.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("entry t1 created %v, want %v", g.CreatedAt, want.CreatedAt)
		}
		g.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
		if g != *want {
			t.Errorf("entry t1 = %+v, want %+v", g, *want)
		}
	}
	if again, err := db.TakeSessionServices(ctx, "s1"); err != nil || len(again) != 0 {
		t.Errorf("TakeSessionServices(s1) again = %+v, %v, want none", again, err)
	}
	if other, err := db.SessionServices(ctx, "s2"); err != nil || len(other) != 1 {
		t.Errorf("SessionServices(s2) = %+v, %v, want its one entry kept", other, err)
	}

	t.Run("TakeConcurrently", func(t *testing.T) {
		for i := range 5 {
			h := fmt.Sprintf("c%d", i)
			mustCreateTicket(t, db, newTicket(h, store.TicketService, "u1", "s3"), newEntry(h, "s3", "u1", t0))
		}
		const workers = 10
		var wg sync.WaitGroup
		start := make(chan struct{})
		counts := make([]int, workers)
		errs := make([]error, workers)
		for i := range workers {
			wg.Go(func() {
				<-start
				var got []store.SessionService
				got, errs[i] = db.TakeSessionServices(t.Context(), "s3")
				counts[i] = len(got)
			})
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range workers {
			if errs[i] != nil {
				t.Errorf("TakeSessionServices() #%d = %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != 5 {
			t.Errorf("entries taken by concurrent calls = %d, want 5 (each exactly once)", total)
		}
	})
}

func testSessionEnd(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	mustCreateTicket(t, db, newTicket("st", store.TicketService, "u1", "old"), newEntry("st", "old", "u1", t0))
	mustCreateTicket(t, db, newTicket("pgt", store.TicketProxyGranter, "u1", "old"), nil)
	mustCreateTicket(t, db, newTicket("keep", store.TicketProxyGranter, "u1", "another"), nil)

	if err := db.MoveSessionCAS(ctx, "old", "new"); err != nil {
		t.Fatalf("MoveSessionCAS() = %v", err)
	}
	for _, h := range []string{"st", "pgt"} {
		if tk, err := db.TicketByHash(ctx, h); err != nil || tk.SessionHash != "new" {
			t.Errorf("TicketByHash(%q) after the move = %+v, %v, want session new", h, tk, err)
		}
	}
	if got, err := db.SessionServices(ctx, "new"); err != nil || len(got) != 1 {
		t.Errorf("SessionServices(new) after the move = %+v, %v, want 1", got, err)
	}
	if got, err := db.SessionServices(ctx, "old"); err != nil || len(got) != 0 {
		t.Errorf("SessionServices(old) after the move = %+v, %v, want none", got, err)
	}

	if err := db.DeleteSessionTickets(ctx, "new"); err != nil {
		t.Fatalf("DeleteSessionTickets() = %v", err)
	}
	for h, kept := range map[string]bool{"st": false, "pgt": false, "keep": true} {
		_, err := db.TicketByHash(ctx, h)
		if got := err == nil; got != kept {
			t.Errorf("TicketByHash(%q) after DeleteSessionTickets = %v, want kept %v", h, err, kept)
		}
	}
	if err := db.DeleteSessionTickets(ctx, ""); err != nil {
		t.Errorf("DeleteSessionTickets(\"\") = %v, want nil", err)
	}
	if _, err := db.TicketByHash(ctx, "keep"); err != nil {
		t.Errorf("DeleteSessionTickets(\"\") deleted tickets of other sessions: %v", err)
	}
}

func testSweepCAS(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	now := t0.Add(time.Hour)
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	live := newSession("live", "u1")
	live.ExpiresAt = now.Add(time.Hour)
	mustCreateSession(t, db, live)
	tickets := map[string]time.Time{ // hash -> expiry
		"expired": now.Add(-time.Millisecond),
		"fresh":   now.Add(time.Second),
	}
	for h, exp := range tickets {
		tk := newTicket(h, store.TicketService, "u1", "")
		tk.ExpiresAt = exp
		mustCreateTicket(t, db, tk, nil)
	}
	mustCreateTicket(t, db, newTicket("a", store.TicketService, "u1", "live"), newEntry("a", "live", "u1", t0))
	mustCreateTicket(t, db, newTicket("b", store.TicketService, "u1", "gone"), newEntry("b", "gone", "u1", t0))

	if _, err := db.Sweep(ctx, now, time.Hour); err != nil {
		t.Fatalf("Sweep() = %v", err)
	}
	for h, kept := range map[string]bool{"expired": false, "fresh": true} {
		_, err := db.TicketByHash(ctx, h)
		if got := err == nil; got != kept {
			t.Errorf("after Sweep: TicketByHash(%q) = %v, want kept %v", h, err, kept)
		}
	}
	if got, err := db.SessionServices(ctx, "live"); err != nil || len(got) != 1 {
		t.Errorf("after Sweep: SessionServices(live) = %+v, %v, want 1 (its session lives)", got, err)
	}
	if got, err := db.SessionServices(ctx, "gone"); err != nil || len(got) != 0 {
		t.Errorf("after Sweep: SessionServices(gone) = %+v, %v, want none (no session)", got, err)
	}
}

func testDeleteUserCAS(t *testing.T, open func(t *testing.T) *store.DB) {
	db := open(t)
	ctx := t.Context()
	mustCreateUser(t, db, newUser("u1", "ada@example.org"))
	mustCreateUser(t, db, newUser("u2", "bob@example.org"))
	mustCreateTicket(t, db, newTicket("t1", store.TicketService, "u1", "s1"), newEntry("t1", "s1", "u1", t0))
	mustCreateTicket(t, db, newTicket("t2", store.TicketService, "u2", "s2"), newEntry("t2", "s2", "u2", t0))
	if err := db.DeleteUser(ctx, "u1"); err != nil {
		t.Fatalf("DeleteUser(u1) = %v", err)
	}
	if _, err := db.TicketByHash(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TicketByHash(t1) after DeleteUser(u1) = %v, want %v", err, store.ErrNotFound)
	}
	if got, _ := db.SessionServices(ctx, "s1"); len(got) != 0 {
		t.Errorf("SessionServices(s1) after DeleteUser(u1) = %+v, want none", got)
	}
	if _, err := db.TicketByHash(ctx, "t2"); err != nil {
		t.Errorf("TicketByHash(t2) of another user after DeleteUser(u1) = %v, want nil", err)
	}
	if got, _ := db.SessionServices(ctx, "s2"); len(got) != 1 {
		t.Errorf("SessionServices(s2) of another user after DeleteUser(u1) = %+v, want 1", got)
	}
}
