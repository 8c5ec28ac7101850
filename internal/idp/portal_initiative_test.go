package idp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"eulogin/internal/cas"
	"eulogin/internal/eci"
	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/ecistore/ecistoretest"
	"eulogin/internal/idp/idptest"
)

// startPortalWith runs the real ECI portal on its own origin as a relying
// party of e, accepting strengths (in its configuration and in e's service
// registry), with cfg changing its configuration, on the portal database
// open gives (SQLite when nil). It returns the portal's URL.
func startPortalWith(t *testing.T, e *idptest.Env, strengths []string, cfg func(*eci.Config), open func(*testing.T) *ecistore.DB) string {
	t.Helper()
	if open == nil {
		open = ecistoretest.OpenSQLite
	}
	pts := httptest.NewUnstartedServer(nil)
	portalURL := "http://" + pts.Listener.Addr().String()
	c := eci.Config{BaseURL: portalURL, IdPURL: e.URL, AcceptStrengths: strengths}
	if cfg != nil {
		cfg(&c)
	}
	portal, err := eci.NewServer(c, eci.Deps{DB: open(t), Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	pts.Config.Handler = portal
	pts.Start()
	t.Cleanup(pts.Close)
	e.RegisterService(t, cas.Service{
		ID: "eci", Name: "ECI organiser account", Patterns: []string{eci.ServiceURLPattern(portalURL)},
		Strengths: strengths, Attributes: eci.ServiceAttributes(), SLO: true,
	})
	return portalURL
}

// portalSignIn follows target (an absolute URL of the portal) while b is
// signed out of both: the portal sends b to the IdP's CAS login with its
// service, b signs in there with p's password (posting the login page's
// hidden fields), and the IdP sends b back to the portal with a ticket.
// It returns the page where b lands.
func portalSignIn(t *testing.T, e *idptest.Env, b *idptest.Browser, target string, p idptest.Person) *idptest.Page {
	t.Helper()
	page := b.Get(target)
	if !strings.HasPrefix(page.URL.String(), e.URL+"/login") || page.Input("service") == "" {
		t.Fatalf("%s led %s to %s (service %q), want the IdP's CAS login", target, p.Email, page.URL, page.Input("service"))
	}
	return b.LoginFrom(page, p.Email, p.Password)
}

// initiativeMember is a member of the test group: an IdP account and the
// details they confirm in the portal.
type initiativeMember struct {
	person                 idptest.Person
	nationality, residence string
}

// detailsForm is the portal's details form for a member: adult, a citizen
// of the Union, not a Member of the European Parliament, consenting.
func (m initiativeMember) detailsForm() url.Values {
	return url.Values{
		"full_name": {m.person.First + " " + m.person.Last}, "nationality": {m.nationality},
		"residence": {m.residence}, "birth_date": {"1985-06-15"}, "consent": {"yes"},
	}
}

var (
	portalInvitationRE = regexp.MustCompile(`id="invitation-link">([^<]+)<`)
	portalInitiativeRE = regexp.MustCompile(`^/initiatives/[0-9]+$`)
	registrationRE     = regexp.MustCompile(`ECI\(\d{4}\)\d{6}`)
)

// TestPortalInitiative is issue 7's main scenario with the real IdP: every
// organiser signs in to the portal through the IdP's CAS login. The
// representative drafts an initiative, invites seven members (each their
// own account and browser), who open the link, sign in, and confirm their
// details in seven Member States; the representative designates a
// substitute and submits; a reviewer named in the portal's configuration
// registers it. An outsider signed in through CAS does not see the draft.
func TestPortalInitiative(t *testing.T) {
	idptest.Engines(t, func(t *testing.T, eng idptest.Engine) {
		e := idptest.New(t, idptest.Options{Engine: eng})
		open := ecistoretest.OpenSQLite
		if eng.Name == "postgres" {
			open = ecistoretest.OpenPostgres
		}
		reviewer := idptest.Person{First: "Rita", Last: "Revisora", Email: "rita.reviewer@ec.example.eu", EmailLang: "en", Password: "Registru de initiative 2026"}
		portalURL := startPortalWith(t, e, []string{"PASSWORD"}, func(c *eci.Config) {
			c.Reviewers = []string{strings.ToUpper(reviewer.Email)} // compared without regard to case
		}, open)

		// The representative: an account, then the portal through CAS.
		rep := idptest.Person{First: "Ilze", Last: "Kalniņa", Email: "ilze.rep@example.lv", EmailLang: "lv", Password: "Dzintara krasts 2026 jūra"}
		rb := e.NewBrowser(t)
		e.CreateAccount(t, rb, rep)
		page := portalSignIn(t, e, rb, portalURL+"/login", rep)
		if !strings.HasPrefix(page.URL.String(), portalURL+"/dashboard") || !page.Has("Ilze") {
			t.Fatalf("representative's login ended at %s: %d %q %v", page.URL, page.Status, page.H1(), page.Errors())
		}

		// The draft, its title in multi-byte letters.
		title := "Ūdens visiem — Apă pentru toți — Νερό για όλους"
		page = rb.Post(portalURL+"/initiatives", url.Values{
			"title":      {title},
			"objectives": {"Access to clean water for everyone in the Union."},
			"treaty":     {"Article 192 TFEU"},
			"website":    {"https://water.example.org"},
			"categories": {"ENV", "SANTE"},
			"language":   {"lv"},
		})
		if page.Status != http.StatusOK || !strings.HasPrefix(page.URL.String(), portalURL) || !portalInitiativeRE.MatchString(page.URL.Path) {
			t.Fatalf("draft: %d %s %v", page.Status, page.URL, page.Errors())
		}
		path := page.URL.Path
		draft := portalURL + path
		if !page.Has(title) {
			t.Errorf("the draft's page lacks its title %q", title)
		}
		repDetails := initiativeMember{person: rep, nationality: "LV", residence: "LV"}
		if page := rb.Post(draft+"/details", repDetails.detailsForm()); page.Status != http.StatusOK || page.URL.Path != path {
			t.Fatalf("representative's details: %d %s %v", page.Status, page.URL.Path, page.Errors())
		}

		// Seven members in seven Member States, each in their own browser.
		var members []initiativeMember
		firsts := []string{"Élodie", "Jürgen", "Niccolò", "Begoña", "Łucja", "Anna-Lena", "Ștefan"}
		for i, country := range []string{"FR", "DE", "IT", "ES", "PL", "AT", "RO"} {
			members = append(members, initiativeMember{
				person: idptest.Person{
					First: firsts[i], Last: "Member",
					Email: fmt.Sprintf("member%d@example.eu", i+1), EmailLang: "en",
					Password: fmt.Sprintf("Grupul de organizatori %d 2026", i+1),
				},
				nationality: country, residence: country,
			})
		}
		for _, m := range members {
			page := rb.Post(draft+"/members", url.Values{"name": {m.person.First + " " + m.person.Last}, "email": {m.person.Email}})
			match := portalInvitationRE.FindStringSubmatch(page.Body)
			if page.Status != http.StatusOK || match == nil {
				t.Fatalf("invite %s: %d %v, no invitation link", m.person.Email, page.Status, page.Errors())
			}
			link := strings.TrimSpace(match[1])
			if !strings.HasPrefix(link, portalURL+"/invitations/") {
				t.Fatalf("invitation link %q is not the portal's", link)
			}
			mb := e.NewBrowser(t)
			e.CreateAccount(t, mb, m.person)
			// The link leads to EU Login, then back to the invitation.
			page = portalSignIn(t, e, mb, link, m.person)
			if page.Status != http.StatusOK || page.URL.String() != link || page.H1() != "Invitation to a group of organisers" {
				t.Fatalf("%s after the login: %d %s %q, want the invitation", m.person.Email, page.Status, page.URL, page.H1())
			}
			page = mb.Post(link, nil)
			if page.Status != http.StatusOK || page.URL.Path != path+"/details" {
				t.Fatalf("%s joins: %d %s %q", m.person.Email, page.Status, page.URL.Path, page.H1())
			}
			page = mb.Post(draft+"/details", m.detailsForm())
			if page.Status != http.StatusOK || page.URL.Path != path {
				t.Fatalf("details of %s: %d %s %v", m.person.Email, page.Status, page.URL.Path, page.Errors())
			}
		}

		// The substitute, chosen by the user id the IdP gave the portal.
		ids := map[string]string{}
		for _, p := range []idptest.Person{rep, members[0].person} {
			u, err := e.DB.UserByEmail(t.Context(), p.Email)
			if err != nil {
				t.Fatalf("UserByEmail(%s) = %v", p.Email, err)
			}
			ids[p.Email] = u.ID
		}
		page = rb.Post(draft+"/contacts", url.Values{"representative": {ids[rep.Email]}, "substitute": {ids[members[0].person.Email]}})
		if page.Status != http.StatusOK {
			t.Fatalf("contacts: %d %v", page.Status, page.Errors())
		}
		page = rb.Get(draft)
		if !page.Has("Nothing is missing") {
			excerpt := page.Body[max(0, strings.Index(page.Body, "<main")):] // the page without its frame
			t.Fatalf("the draft still lacks something: %.1500s", excerpt)
		}

		// The outsider, signed in through CAS, is refused the draft as if it
		// did not exist.
		outsider := idptest.Person{First: "Mallory", Last: "Outis", Email: "mallory@example.org", EmailLang: "en", Password: "Nimeni nu ma vede 2026"}
		ob := e.NewBrowser(t)
		e.CreateAccount(t, ob, outsider)
		if page := portalSignIn(t, e, ob, draft, outsider); page.Status != http.StatusNotFound || page.URL.String() != draft {
			t.Errorf("outsider at the draft: %d %s, want 404", page.Status, page.URL)
		}

		page = rb.Post(draft+"/submit", nil)
		if page.Status != http.StatusOK || !page.Has("Submitted for registration") {
			t.Fatalf("submit: %d %v", page.Status, page.Errors())
		}

		// The reviewer, by configuration, signed in through CAS.
		vb := e.NewBrowser(t)
		e.CreateAccount(t, vb, reviewer)
		page = portalSignIn(t, e, vb, portalURL+"/review", reviewer)
		if page.Status != http.StatusOK || page.URL.String() != portalURL+"/review" || !page.Has(title) {
			t.Fatalf("review queue: %d %s %q, want it listing %q", page.Status, page.URL, page.H1(), title)
		}
		page = vb.Post(draft+"/decision", url.Values{"decision": {"REGISTERED"}})
		if page.Status != http.StatusOK || !page.Has("Registration number") {
			t.Fatalf("registration: %d %v", page.Status, page.Errors())
		}
		number := registrationRE.FindString(page.Body)
		if number == "" {
			t.Fatalf("the registered initiative's page shows no number ECI(YYYY)NNNNNN")
		}
		if number != "ECI(2026)000001" {
			t.Errorf("registration number %s, want the first of 2026, ECI(2026)000001", number)
		}
		// The group sees it too.
		if page := rb.Get(draft); !page.Has(number) || !page.Has(title) {
			t.Errorf("the representative's page lacks the registration number %s", number)
		}
	})
}
