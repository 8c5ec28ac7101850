package eci_test

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"eulogin/internal/eci/ecistore"
	"eulogin/internal/eci/ecistore/ecistoretest"
)

// postMultipart sends the draft form as a browser does (multipart, with
// an optional file).
func (b *browser) postMultipart(path string, form url.Values, fileName string, file []byte) *page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile("document", fileName)
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.abs(path), &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// draftForm is a complete draft.
func draftForm() url.Values {
	return url.Values{
		"title":      {"Ūdens visiem"},
		"objectives": {"Access to clean water for everyone in the Union."},
		"treaty":     {"Article 192 TFEU"},
		"website":    {"https://water.example.org"},
		"categories": {"ENV", "SANTE"},
		"language":   {"lv"},
	}
}

var idRE = regexp.MustCompile(`^/initiatives/([0-9]+)$`)

// createDraft has b (signed in) prepare a draft and returns its path.
func createDraft(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	p := b.postMultipart("/initiatives", form, "", nil)
	if p.Status != http.StatusOK || !idRE.MatchString(p.URL.Path) {
		t.Fatalf("POST /initiatives = %d %s, want the new initiative's page; errors: %s", p.Status, p.URL.Path, errorSummary(p))
	}
	if !p.Has("Your changes have been saved.") {
		t.Errorf("new draft page lacks the confirmation")
	}
	return p.URL.Path
}

var summaryRE = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)

// errorSummary returns the text of a page's error summary, or "".
func errorSummary(p *page) string { return text(summaryRE.FindString(p.Body)) }

var linkRE = regexp.MustCompile(`id="invitation-link">([^<]+)<`)

// member describes one member of a test group.
type member struct {
	who                    person
	nationality, residence string
	birth                  string
	mep                    bool
}

// newMember returns an adult member of the given country.
func newMember(i int, country string) member {
	p := person{ID: fmt.Sprintf("n3kmem%02d", i), Email: fmt.Sprintf("member%d@example.eu", i), First: fmt.Sprint("Member", i), Last: "Test", Locale: "en"}
	return member{who: p, nationality: country, residence: country, birth: "1985-06-15"}
}

// details is the details form of a member.
func (m member) details() url.Values {
	v := url.Values{"full_name": {m.who.First + " " + m.who.Last}, "nationality": {m.nationality}, "residence": {m.residence}, "birth_date": {m.birth}, "consent": {"yes"}}
	if m.mep {
		v.Set("mep", "yes")
	}
	return v
}

// join has the representative invite m and m join and confirm their
// details through their own browser; it returns m's browser.
func join(t *testing.T, e *env, rep *browser, path string, m member) *browser {
	t.Helper()
	p := rep.post(path+"/members", url.Values{"name": {m.who.First + " " + m.who.Last}, "email": {m.who.Email}})
	match := linkRE.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || match == nil {
		t.Fatalf("invite %s = %d, no invitation link; errors: %s", m.who.Email, p.Status, errorSummary(p))
	}
	link := match[1]
	b := e.browser()
	b.get("/?lang=en")
	// The invitee is sent to EU Login first, then back to the invitation.
	e.cas.willAnswer(e.success(m.who, "PASSWORD_SMS"))
	p = b.get(link)
	wantPage(t, p, http.StatusOK, strings.TrimPrefix(link, e.portal.URL), "Invitation to a group of organisers")
	p = b.post(strings.TrimPrefix(link, e.portal.URL), nil)
	wantPage(t, p, http.StatusOK, path+"/details", "Your details as a member of the group")
	p = b.post(path+"/details", m.details())
	if p.Status != http.StatusOK || p.URL.Path != path {
		t.Fatalf("details of %s = %d %s; errors: %s", m.who.Email, p.Status, p.URL.Path, errorSummary(p))
	}
	return b
}

// anaDetails are the representative's own details.
var anaDetails = member{who: ana, nationality: "RO", residence: "RO", birth: "1980-01-31"}

// group builds a draft by Ana with the members (Ana, from Romania, is
// always one of them) and designates the first member as substitute when
// substitute is true. It returns the representative's browser, the path of
// the initiative and the members' browsers.
func group(t *testing.T, e *env, members []member, substitute bool) (*browser, string, []*browser) {
	t.Helper()
	rep := e.browser()
	rep.get("/?lang=en")
	rep.login(ana, "PASSWORD_SMS")
	path := createDraft(t, rep, draftForm())
	if p := rep.post(path+"/details", anaDetails.details()); p.Status != http.StatusOK {
		t.Fatalf("Ana's details = %d; %s", p.Status, errorSummary(p))
	}
	var bs []*browser
	for _, m := range members {
		bs = append(bs, join(t, e, rep, path, m))
	}
	if substitute {
		p := rep.post(path+"/contacts", url.Values{"representative": {ana.ID}, "substitute": {members[0].who.ID}})
		if p.Status != http.StatusOK {
			t.Fatalf("contacts = %d; %s", p.Status, errorSummary(p))
		}
	}
	return rep, path, bs
}

// six are six adult members from six Member States other than Romania.
func six() []member {
	var ms []member
	for i, c := range []string{"LV", "FR", "DE", "IT", "ES", "PL"} {
		ms = append(ms, newMember(i+1, c))
	}
	return ms
}

// TestInitiativeToRegistered: a draft, its group of seven in seven Member
// States, funding, submission, the reviewer's registration, the collection
// start. On both engines.
func TestInitiativeToRegistered(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			rep, path, members := group(t, e, six(), false)

			// The dashboard says what is missing: the substitute.
			p := rep.get(path)
			if !p.Has("Choose a substitute among the members who have joined.") || p.Has("Submit for registration") {
				t.Errorf("initiative page: want the missing substitute and no submit button; got %q", p.Text())
			}
			p = rep.get("/dashboard")
			if !p.Has("Ūdens visiem") || !p.Has("Representative") || !p.Has("1 point still to complete") {
				t.Errorf("dashboard lacks the draft with 1 missing point: %q", p.Text())
			}
			if p := rep.post(path+"/contacts", url.Values{"representative": {ana.ID}, "substitute": {"n3kmem01"}}); p.Status != http.StatusOK {
				t.Fatalf("contacts = %d", p.Status)
			}
			p = rep.post(path+"/funding", url.Values{"sponsor": {"Fondation Eau"}, "amount": {"1 500,50"}, "received": {"2026-03-01"}})
			if p.Status != http.StatusOK || !p.Has("EUR 1500.50") {
				t.Errorf("funding = %d, want the source listed", p.Status)
			}
			p = rep.get(path)
			if !p.Has("Nothing is missing") {
				t.Fatalf("initiative page still lists problems: %q", p.Text())
			}
			wantClean(t, p)

			// The substitute sees it but may not submit it.
			if p := members[0].post(path+"/submit", nil); p.Status != http.StatusForbidden {
				t.Errorf("submit by the substitute = %d, want 403", p.Status)
			}
			p = rep.post(path+"/submit", nil)
			if p.Status != http.StatusOK || !p.Has("Submitted for registration on 14/03/2026. The Commission decides by 14/05/2026.") {
				t.Fatalf("submit = %d %q", p.Status, p.Text())
			}
			// Frozen.
			if p := rep.postMultipart(path+"/edit", draftForm(), "", nil); p.Status != http.StatusConflict {
				t.Errorf("edit after submission = %d, want 409", p.Status)
			}
			if p := rep.post(path+"/members", url.Values{"name": {"Late"}, "email": {"late@example.eu"}}); p.Status != http.StatusConflict {
				t.Errorf("invite after submission = %d, want 409", p.Status)
			}

			// The reviewer.
			reviewer := person{ID: "n3krev01", Email: "reviewer@ec.europa.eu", First: "Rita", Last: "Reviewer", Locale: "en"}
			if err := e.db.AddReviewer(t.Context(), reviewer.Email, t0); err != nil {
				t.Fatal(err)
			}
			rb := e.browser()
			rb.get("/?lang=en")
			rb.login(reviewer, "PASSWORD_SMS")
			p = rb.get("/review")
			wantPage(t, p, http.StatusOK, "/review", "Registration requests")
			if !p.Has("Ūdens visiem 14/03/2026 14/05/2026") {
				t.Errorf("queue lacks the initiative and its deadline: %q", p.Text())
			}
			p = rb.post(path+"/decision", url.Values{"decision": {"REFUSED"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "Enter the reasons for this decision") {
				t.Errorf("refusal without reasons = %d %q, want 422 asking for reasons", p.Status, errorSummary(p))
			}
			p = rb.post(path+"/decision", url.Values{"decision": {"REGISTERED"}})
			if p.Status != http.StatusOK || !p.Has("Registration number: ECI(2026)000001") {
				t.Fatalf("registration = %d %q", p.Status, p.Text())
			}
			if p := rb.post(path+"/decision", url.Values{"decision": {"REFUSED"}, "reasons": {"x"}}); p.Status != http.StatusConflict {
				t.Errorf("second decision = %d, want 409", p.Status)
			}

			// The collection start: within six months.
			p = rep.post(path+"/collection", url.Values{"start": {"2026-09-15"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "at the latest 14/09/2026") {
				t.Errorf("start after six months = %d %q", p.Status, errorSummary(p))
			}
			if p := members[1].post(path+"/collection", url.Values{"start": {"2026-05-01"}}); p.Status != http.StatusForbidden {
				t.Errorf("collection start by a member = %d, want 403", p.Status)
			}
			p = rep.post(path+"/collection", url.Values{"start": {"2026-05-01"}})
			if p.Status != http.StatusOK || !p.Has("The collection runs from 01/05/2026 to 30/04/2027") || !p.Has("Germany 69120") || !p.Has("Malta 4320") {
				t.Errorf("collection = %d %q", p.Status, p.Text())
			}
			p = rep.get(path + "/history")
			wantPage(t, p, http.StatusOK, path+"/history", "History of the initiative")
			for _, want := range []string{"Initiative created", "Member invited", "Invitation accepted", "Member's details", "Substitute", "Source of funding", "Registration number", "ECI(2026)000001", "Start of the collection"} {
				if !p.Has(want) {
					t.Errorf("history lacks %q", want)
				}
			}
			audit := e.audit(ana.ID)
			for _, want := range []string{"INITIATIVE_CREATE", "MEMBER_INVITE", "CONTACTS", "FUNDING", "INITIATIVE_SUBMIT", "COLLECTION_START"} {
				if !slices.ContainsFunc(audit, func(s string) bool { return strings.HasPrefix(s, want+":") }) {
					t.Errorf("Ana's audit lacks %s: %q", want, audit)
				}
			}
		})
	}
}

// TestGroupRules: each rule of the group refuses the submission with its
// own message.
func TestGroupRules(t *testing.T) {
	for _, tt := range []struct {
		name       string
		change     func(ms []member)
		substitute bool
		want       string
	}{
		{"six countries", func(ms []member) { ms[5].residence = "LV" }, true,
			"The members who count live in 6 Member States; they must live in at least 7 different Member States."},
		{"an MEP does not count", func(ms []member) { ms[5].mep = true }, true,
			"The group has 6 members who count, and needs at least 7: Members of the European Parliament (1 in the group) do not count."},
		{"under age", func(ms []member) { ms[5].birth = "2008-03-15" }, true,
			"Member6 Test is under 18, the age to vote in European elections in Poland, where they live."},
		{"non-EU citizen", func(ms []member) { ms[5].nationality = "OTHER" }, true,
			"Member6 Test is not a citizen of the European Union: every member of the group must be."},
		{"missing substitute", func([]member) {}, false,
			"Choose a substitute among the members who have joined."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, options{})
			ms := six()
			tt.change(ms)
			rep, path, _ := group(t, e, ms, tt.substitute)
			p := rep.post(path+"/submit", nil)
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), tt.want) {
				t.Errorf("submit = %d, error summary %q, want 422 with %q", p.Status, errorSummary(p), tt.want)
			}
			wantClean(t, p)
			if in, _ := e.db.Initiative(t.Context(), mustID(t, path)); in.Status != ecistore.StatusDraft {
				t.Errorf("status = %s, want DRAFT", in.Status)
			}
		})
	}
	t.Run("a sixteen-year-old in Austria counts", func(t *testing.T) {
		e := newEnv(t, options{})
		ms := six()
		ms[5].nationality, ms[5].residence, ms[5].birth = "AT", "AT", "2010-03-14"
		rep, path, _ := group(t, e, ms, true)
		if p := rep.post(path+"/submit", nil); p.Status != http.StatusOK || !p.Has("Submitted for registration") {
			t.Errorf("submit = %d, error summary %q, want the initiative submitted", p.Status, errorSummary(p))
		}
	})
}

func mustID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/initiatives/%d", &id); err != nil {
		t.Fatalf("path %q: %v", path, err)
	}
	return id
}

// words returns n letters in words of five, separated by a space, a
// no-break space or a line break (CR LF, as a browser sends it) in turn:
// n letters, and (n-1)/5 characters of white space.
func words(letter string, n int) string {
	var b strings.Builder
	seps := []string{" ", "\u00a0", "\r\n"}
	for i := range n {
		if i > 0 && i%5 == 0 {
			b.WriteString(seps[i/5%3])
		}
		b.WriteString(letter)
	}
	return b.String()
}

// TestLengthLimits: limits count characters, not bytes, as Annex II of the
// Regulation counts them: the title (point 1) at most 100 characters, the
// objectives 1 100 and the annex 5 000 (point 2), spaces not counted. The
// error states the count as the rule counts it (without JavaScript, on
// submit), in the user's language, and the form marks the fields whose live
// counter must leave white space out. On both engines.
func TestLengthLimits(t *testing.T) {
	for _, eng := range ecistoretest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, options{open: eng.Open})
			b := e.browser()
			b.get("/?lang=en")
			b.login(ana, "PASSWORD_SMS")
			for _, tt := range []struct {
				name, field, value string
				want               string // "" for accepted
			}{
				{"title of 100 Latvian characters", "title", strings.Repeat("ā", 100), ""},
				{"title of 101 Greek characters", "title", strings.Repeat("Ω", 101), "Title must be 100 characters or fewer; it has 101."},
				{"title of 100 with its spaces", "title", words("a", 84), ""},
				{"title of 101 with its spaces", "title", words("a", 85), "Title must be 100 characters or fewer; it has 101."},
				{"objectives of 1100 Romanian letters and 219 spaces", "objectives", words("ș", 1100), ""},
				{"objectives of 1100 with blank lines", "objectives", strings.Repeat("ș\r\n\r\n", 400) + strings.Repeat("ț", 700), ""},
				{"objectives of 1101", "objectives", words("ж", 1101), "Objectives must be 1100 characters or fewer, not counting spaces; it has 1101."},
				{"annex of 5000 letters and 999 spaces", "annex", words("é", 5000), ""},
				{"annex of 5001", "annex", words("é", 5001), "Annex must be 5000 characters or fewer, not counting spaces; it has 5001."},
			} {
				f := draftForm()
				f.Set(tt.field, tt.value)
				p := b.postMultipart("/initiatives", f, "", nil)
				if tt.want == "" {
					if p.Status != http.StatusOK || !idRE.MatchString(p.URL.Path) {
						t.Errorf("%s: POST = %d %s %q, want accepted", tt.name, p.Status, p.URL.Path, errorSummary(p))
					}
					continue
				}
				if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), tt.want) {
					t.Errorf("%s: POST = %d %q, want 422 with %q", tt.name, p.Status, errorSummary(p), tt.want)
				}
				// The input is kept, and the field shows its error.
				if !strings.Contains(p.Body, `id="`+tt.field+`-error"`) || !strings.Contains(p.Body, tt.value[:10]) {
					t.Errorf("%s: the field's error or the user's input is missing", tt.name)
				}
			}

			// The form: the hints say how the limits count, and the live
			// counters of the objectives and the annex leave white space out.
			p := b.get("/initiatives/new?lang=en")
			if !p.Has("At most 1100 characters, not counting spaces.") || !p.Has("At most 5000 characters, not counting spaces.") || !p.Has("At most 100 characters.") {
				t.Errorf("the hints do not state the limits as the rules count: %q", p.Text())
			}
			for _, tt := range []struct {
				field    string
				noSpaces bool
			}{{"title", false}, {"objectives", true}, {"annex", true}, {"treaty", false}} {
				re := regexp.MustCompile(`id="` + tt.field + `"[^>]*data-count="nospaces"`)
				if got := re.MatchString(p.Body); got != tt.noSpaces {
					t.Errorf("field %s marked nospaces = %v, want %v", tt.field, got, tt.noSpaces)
				}
			}

			// The count in the user's language, and the counters' texts for
			// the script.
			b.lang = "fr"
			f := draftForm()
			f.Set("objectives", words("ș", 1101))
			p = b.postMultipart("/initiatives?lang=fr", f, "", nil)
			if want := "Les objectifs doivent comporter 1100 caractères au maximum, espaces non comprises ; il y en a 1101."; !strings.Contains(errorSummary(p), want) {
				t.Errorf("French error summary %q, want %q", errorSummary(p), want)
			}
			p = b.get("/initiatives/new?lang=fr")
			if !strings.Contains(p.Body, `data-maxchars="100"`) || !strings.Contains(html.UnescapeString(p.Body), `"other":"Il vous reste {n} caractères"`) || !strings.Contains(p.Body, `src="/eci-static/counter.js"`) {
				t.Error("the form lacks the live counter's data or script")
			}
			if js := b.get("/eci-static/counter.js"); js.Status != http.StatusOK || !strings.Contains(js.Body, "data-maxchars") || !strings.Contains(js.Body, `"nospaces"`) {
				t.Errorf("GET counter.js = %d, or it does not read data-maxchars and data-count", js.Status)
			}
		})
	}
}

// TestDocument: a PDF is checked, stored and downloadable by the group only.
func TestDocument(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser()
	b.get("/?lang=en")
	b.login(ana, "PASSWORD_SMS")
	p := b.postMultipart("/initiatives", draftForm(), "act.pdf", []byte("<html>not a pdf"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "The file is not a PDF. Choose a PDF file.") {
		t.Errorf("non-PDF = %d %q", p.Status, errorSummary(p))
	}
	big := append([]byte("%PDF-1.7\n"), make([]byte, 5<<20)...)
	p = b.postMultipart("/initiatives", draftForm(), "big.pdf", big)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(p), "larger than 5 MB") {
		t.Errorf("PDF over 5 MiB = %d %q", p.Status, errorSummary(p))
	}
	// The draft form's body may hold more than the 1 MiB of the other forms,
	// when the draft is created and when it is edited.
	mid := append([]byte("%PDF-1.7\n"), make([]byte, 2<<20)...)
	p = b.postMultipart("/initiatives", draftForm(), "act.pdf", mid)
	if p.Status != http.StatusOK || !idRE.MatchString(p.URL.Path) {
		t.Errorf("PDF of 2 MiB = %d %s %q, want the new initiative's page", p.Status, p.URL.Path, errorSummary(p))
	} else if p = b.postMultipart(p.URL.Path+"/edit", draftForm(), "act.pdf", mid); p.Status != http.StatusOK || !idRE.MatchString(p.URL.Path) {
		t.Errorf("PDF of 2 MiB in an edit = %d %s %q, want the initiative's page", p.Status, p.URL.Path, errorSummary(p))
	}
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
	p = b.postMultipart("/initiatives", draftForm(), "projet d'acte.pdf", pdf)
	if p.Status != http.StatusOK || !p.Has("projet d'acte.pdf") {
		t.Fatalf("PDF = %d %q", p.Status, errorSummary(p))
	}
	path := p.URL.Path
	resp := b.get(path + "/document")
	if resp.Status != http.StatusOK || resp.Body != string(pdf) || resp.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download = %d %q %q", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	outsider := e.browser()
	outsider.login(janis, "PASSWORD_SMS")
	if p := outsider.get(path + "/document"); p.Status != http.StatusNotFound {
		t.Errorf("download by an outsider = %d, want 404", p.Status)
	}
}

// TestPermissions: an outsider, a member and a reviewer are each refused
// what they may not do, and the refusals are audited.
func TestPermissions(t *testing.T) {
	e := newEnv(t, options{})
	rep, path, members := group(t, e, six()[:1], false)
	member := members[0]
	outsider := e.browser()
	outsider.get("/?lang=en")
	outsider.login(janis, "PASSWORD_SMS")
	reviewer := person{ID: "n3krev01", Email: "reviewer@ec.europa.eu", First: "Rita", Last: "Reviewer", Locale: "en"}
	e.db.AddReviewer(t.Context(), reviewer.Email, t0)
	rb := e.browser()
	rb.get("/?lang=en")
	rb.login(reviewer, "PASSWORD_SMS")

	type req struct {
		b      *browser
		method string
		path   string
		form   url.Values
		want   int
	}
	invite := url.Values{"name": {"X"}, "email": {"x@example.eu"}}
	for name, r := range map[string]req{
		"outsider views the draft":       {outsider, "GET", path, nil, http.StatusNotFound},
		"outsider views the history":     {outsider, "GET", path + "/history", nil, http.StatusNotFound},
		"outsider edits":                 {outsider, "POST", path + "/edit", draftForm(), http.StatusNotFound},
		"outsider invites":               {outsider, "POST", path + "/members", invite, http.StatusNotFound},
		"outsider submits":               {outsider, "POST", path + "/submit", nil, http.StatusNotFound},
		"outsider opens the queue":       {outsider, "GET", "/review", nil, http.StatusForbidden},
		"member views":                   {member, "GET", path, nil, http.StatusOK},
		"member edits":                   {member, "GET", path + "/edit", nil, http.StatusForbidden},
		"member saves the draft":         {member, "POST", path + "/edit", draftForm(), http.StatusForbidden},
		"member invites":                 {member, "POST", path + "/members", invite, http.StatusForbidden},
		"member designates contacts":     {member, "POST", path + "/contacts", url.Values{"representative": {"n3kmem01"}}, http.StatusForbidden},
		"member declares funding":        {member, "POST", path + "/funding", url.Values{"sponsor": {"x"}, "amount": {"600"}, "received": {"2026-01-01"}}, http.StatusForbidden},
		"member submits":                 {member, "POST", path + "/submit", nil, http.StatusForbidden},
		"member decides":                 {member, "POST", path + "/decision", url.Values{"decision": {"REGISTERED"}}, http.StatusForbidden},
		"reviewer views a draft":         {rb, "GET", path, nil, http.StatusNotFound},
		"reviewer decides on a draft":    {rb, "POST", path + "/decision", url.Values{"decision": {"REGISTERED"}}, http.StatusNotFound},
		"representative decides":         {rep, "POST", path + "/decision", url.Values{"decision": {"REGISTERED"}}, http.StatusForbidden},
		"representative opens queue":     {rep, "GET", "/review", nil, http.StatusForbidden},
		"unknown initiative":             {rep, "GET", "/initiatives/999999", nil, http.StatusNotFound},
		"not a number":                   {rep, "GET", "/initiatives/abc", nil, http.StatusNotFound},
		"member sees the details form":   {member, "GET", path + "/details", nil, http.StatusOK},
		"outsider sees the details form": {outsider, "GET", path + "/details", nil, http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			var p *page
			if r.method == "GET" {
				p = r.b.get(r.path)
			} else if strings.HasSuffix(r.path, "/edit") {
				p = r.b.postMultipart(r.path, r.form, "", nil)
			} else {
				p = r.b.post(r.path, r.form)
			}
			if p.Status != r.want {
				t.Errorf("%s %s = %d, want %d", r.method, r.path, p.Status, r.want)
			}
			wantClean(t, p)
		})
	}
	in, _ := e.db.Initiative(t.Context(), mustID(t, path))
	if in.Status != ecistore.StatusDraft || in.Title != "Ūdens visiem" || in.Representative != ana.ID {
		t.Errorf("initiative changed by refused requests: %+v", in)
	}
	if a := e.audit(janis.ID); !slices.Contains(a, fmt.Sprint("ACCESS_DENIED:view ", in.ID)) {
		t.Errorf("outsider's audit = %q, want the refusals", a)
	}
	// A reviewer sees the initiative once it is submitted, and still may
	// not edit it.
	if err := e.db.Submit(t.Context(), in.ID, ana.ID, t0); err != nil {
		t.Fatal(err)
	}
	if p := rb.get(path); p.Status != http.StatusOK || !p.Has("The Commission's decision") {
		t.Errorf("reviewer views the submitted initiative = %d", p.Status)
	}
	if p := rb.postMultipart(path+"/edit", draftForm(), "", nil); p.Status != http.StatusForbidden {
		t.Errorf("reviewer edits = %d, want 403", p.Status)
	}
	if p := member.get(path); p.Has("The Commission's decision") {
		t.Error("a member sees the reviewer's decision form")
	}
	// Without a session: to the login, never the page.
	anon := e.browser()
	if resp := anon.noFollow("GET", path); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous GET = %d %q, want a redirect to log in", resp.StatusCode, resp.Header.Get("Location"))
	}
	if p := anon.post(path+"/submit", nil); p.Status != http.StatusUnauthorized {
		t.Errorf("anonymous POST = %d, want 401", p.Status)
	}
}

// TestInvitationTokens: an altered token and a used one are refused, and
// the link works for the intended person's first use only.
func TestInvitationTokens(t *testing.T) {
	e := newEnv(t, options{})
	rep := e.browser()
	rep.get("/?lang=en")
	rep.login(ana, "PASSWORD_SMS")
	path := createDraft(t, rep, draftForm())
	p := rep.post(path+"/members", url.Values{"name": {"Jānis Bērziņš"}, "email": {"Janis@Example.lv"}})
	link := strings.TrimPrefix(linkRE.FindStringSubmatch(p.Body)[1], e.portal.URL)
	if !p.Has("Send this link to Jānis Bērziņš (janis@example.lv)") {
		t.Errorf("invitation answer = %q", p.Text())
	}
	// Only the hash is stored.
	ms, _ := e.db.Members(t.Context(), mustID(t, path))
	token := strings.TrimPrefix(link, "/invitations/")
	if ms[1].TokenHash == token || len(ms[1].TokenHash) != 64 {
		t.Errorf("stored token = %q, want its SHA-256", ms[1].TokenHash)
	}

	jb := e.browser()
	jb.get("/?lang=en")
	jb.login(janis, "PASSWORD_SMS")
	last := byte('A')
	if link[len(link)-1] == 'A' {
		last = 'B'
	}
	tampered := link[:len(link)-1] + string(last)
	for name, l := range map[string]string{"altered": tampered, "truncated": link[:len(link)-1], "extended": link + "x", "empty": "/invitations/"} {
		t.Run(name, func(t *testing.T) {
			p := jb.get(l)
			if p.Status != http.StatusNotFound || (name != "empty" && !p.Has("This invitation link is not valid or has already been used")) {
				t.Errorf("GET %s = %d %q", name, p.Status, p.H1())
			}
			if p := jb.post(l, nil); p.Status != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404", name, p.Status)
			}
		})
	}
	// The representative cannot use the invitation to join twice.
	if p := rep.post(link, nil); p.Status != http.StatusConflict {
		t.Errorf("representative accepts = %d, want 409", p.Status)
	}
	if p := jb.post(link, nil); p.Status != http.StatusOK || p.URL.Path != path+"/details" {
		t.Fatalf("accept = %d %s", p.Status, p.URL.Path)
	}
	// Replayed: by the same person or someone else.
	if p := jb.post(link, nil); p.Status != http.StatusNotFound {
		t.Errorf("replay by the invitee = %d, want 404", p.Status)
	}
	other := e.browser()
	other.get("/?lang=en")
	other.login(person{ID: "n3kmal01", Email: "mallory@example.org", First: "Mallory", Last: "X", Locale: "en"}, "PASSWORD_SMS")
	if p := other.get(link); p.Status != http.StatusNotFound {
		t.Errorf("replay by someone else = %d, want 404", p.Status)
	}
	if p := other.get(path); p.Status != http.StatusNotFound {
		t.Errorf("someone else views the initiative = %d, want 404", p.Status)
	}
	if a := e.audit("n3kmal01"); !slices.Contains(a, "INVITATION_REFUSED:unknown or used token") {
		t.Errorf("audit = %q, want the refused invitation", a)
	}
	// Signed out, the link leads to EU Login and back to the invitation.
	anon := e.browser()
	resp := anon.noFollow("GET", link)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(link) {
		t.Errorf("anonymous GET link = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestPagesTranslated: the portal's new pages have no raw key and no
// English left in French, Romanian and Latvian.
func TestPagesTranslated(t *testing.T) {
	e := newEnv(t, options{})
	rep, path, _ := group(t, e, six()[:1], false)
	for _, tt := range []struct{ lang, h1 string }{
		{"fr", "Préparer une initiative"}, {"ro", "Pregătiți o inițiativă"}, {"lv", "Sagatavot iniciatīvu"},
	} {
		rep.lang = tt.lang
		p := rep.get("/initiatives/new?lang=" + tt.lang)
		wantPage(t, p, http.StatusOK, "/initiatives/new", tt.h1)
		for _, u := range []string{path, path + "/history", path + "/details", "/dashboard"} {
			p := rep.get(u)
			wantClean(t, p)
			if p.Lang() != tt.lang || p.Has("What is still missing") || p.Has("Choose a substitute") {
				t.Errorf("%s in %s: lang %q, or English text left", u, tt.lang, p.Lang())
			}
		}
	}
}
