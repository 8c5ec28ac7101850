package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// today is the date of the group checks.
var today = day("2026-03-14")

// seven returns a valid group: seven adult EU citizens in seven Member
// States, the first the representative and the second the substitute.
func seven() Group {
	var g Group
	for i, c := range []string{"RO", "LV", "FR", "DE", "IT", "ES", "PL"} {
		g.Members = append(g.Members, Member{
			Ref: fmt.Sprint("m", i+1), Name: fmt.Sprint("Member ", i+1), Confirmed: true,
			Nationality: c, Residence: c, BirthDate: day("1980-05-01"),
		})
	}
	g.Representative, g.Substitute = "m1", "m2"
	return g
}

func keys(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

func TestCheckGroup(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(g *Group)
		want   []string
	}{
		{"valid seven", func(*Group) {}, nil},
		{"valid nine with an MEP", func(g *Group) {
			g.Members = append(g.Members, Member{Ref: "m8", Name: "MEP", Confirmed: true, Nationality: "BE", Residence: "BE", BirthDate: day("1970-01-01"), MEP: true},
				Member{Ref: "m9", Name: "Ninth", Confirmed: true, Nationality: "RO", Residence: "RO", BirthDate: day("1990-01-01")})
		}, nil},
		{"six members", func(g *Group) { g.Members = g.Members[:6] }, []string{"rule.group_too_few", "rule.group_too_few_countries"}},
		{"six countries", func(g *Group) { g.Members[6].Residence = "RO" }, []string{"rule.group_too_few_countries"}},
		{"residence outside the EU does not count", func(g *Group) { g.Members[6].Residence = "CH" }, []string{"rule.group_too_few_countries"}},
		{"an MEP is not counted", func(g *Group) { g.Members[6].MEP = true }, []string{"rule.group_too_few_meps", "rule.group_too_few_countries"}},
		{"under-age member", func(g *Group) { g.Members[6].BirthDate = day("2008-03-15") }, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_under_age"}},
		{"eighteen today", func(g *Group) { g.Members[6].BirthDate = day("2008-03-14") }, nil},
		{"sixteen in Austria", func(g *Group) {
			g.Members[6].Residence, g.Members[6].Nationality, g.Members[6].BirthDate = "AT", "AT", day("2010-03-14")
		}, nil},
		{"fifteen in Austria", func(g *Group) {
			g.Members[6].Residence, g.Members[6].Nationality, g.Members[6].BirthDate = "AT", "AT", day("2010-03-15")
		}, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_under_age"}},
		{"sixteen in Germany since 2024", func(g *Group) {
			g.Members[3].BirthDate = day("2010-03-14")
		}, nil},
		{"fifteen in Germany", func(g *Group) {
			g.Members[3].BirthDate = day("2010-03-15")
		}, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_under_age"}},
		{"seventeen in Greece (EL)", func(g *Group) {
			g.Members[6].Residence, g.Members[6].Nationality, g.Members[6].BirthDate = "EL", "GR", day("2009-03-14")
		}, nil},
		{"age follows residence, not nationality", func(g *Group) {
			// An Austrian of 16 living in Poland votes in Poland, at 18.
			g.Members[6].Nationality, g.Members[6].BirthDate = "AT", day("2010-01-01")
		}, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_under_age"}},
		{"birth date missing", func(g *Group) { g.Members[6].BirthDate = time.Time{} }, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_under_age"}},
		{"non-EU citizen", func(g *Group) { g.Members[6].Nationality = "NO" }, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_not_citizen"}},
		{"unconfirmed member", func(g *Group) { g.Members[6].Confirmed = false }, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.member_unconfirmed"}},
		// Annex II asks for the details of seven members and the names of
		// the others: no maximum.
		{"sixty members", func(g *Group) {
			for i := range 53 {
				g.Members = append(g.Members, Member{Ref: fmt.Sprint("x", i), Name: "X", Confirmed: true, Nationality: "FI", Residence: "FI", BirthDate: day("1980-01-01")})
			}
		}, nil},
		{"no representative", func(g *Group) { g.Representative = "" }, []string{"rule.no_representative"}},
		{"representative not a member", func(g *Group) { g.Representative = "nobody" }, []string{"rule.no_representative"}},
		{"missing substitute", func(g *Group) { g.Substitute = "" }, []string{"rule.no_substitute"}},
		{"substitute is the representative", func(g *Group) { g.Substitute = "m1" }, []string{"rule.same_contacts"}},
		{"empty group", func(g *Group) { *g = Group{} }, []string{"rule.group_too_few", "rule.group_too_few_countries", "rule.no_representative", "rule.no_substitute"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := seven()
			tt.change(&g)
			if got := keys(CheckGroup(g, today)); !slices.Equal(got, tt.want) {
				t.Errorf("CheckGroup() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckGroupArgs(t *testing.T) {
	g := seven()
	g.Members[6].MEP = true
	g.Members[5].BirthDate = day("2011-01-01")
	g.Members[5].Residence = "MT"
	ps := CheckGroup(g, today)
	want := []string{
		"rule.group_too_few_meps[count 5 meps 1 min 7]",
		"rule.group_too_few_countries[count 5 min 7]",
		"rule.member_under_age[name Member 6 age 16 country MT]",
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("CheckGroup() = %q, want %q", got, want)
	}
}

func TestAge(t *testing.T) {
	for _, tt := range []struct {
		birth, on string
		want      int
	}{
		{"2008-03-14", "2026-03-14", 18},
		{"2008-03-15", "2026-03-14", 17},
		{"2008-02-29", "2026-02-28", 17},
		{"2008-02-29", "2026-03-01", 18},
		{"2008-02-29", "2028-02-29", 20},
		{"1980-12-31", "2026-01-01", 45},
	} {
		if got := Age(day(tt.birth), day(tt.on)); got != tt.want {
			t.Errorf("Age(%s, %s) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
	}
}

// TestVotingAge: the age to vote in European Parliament elections where a
// member lives (Article 5(2) of Regulation (EU) 2019/788: members must be
// old enough to vote in European elections), per Member State.
func TestVotingAge(t *testing.T) {
	for _, tt := range []struct {
		country string
		want    int
		source  string
	}{
		{"AT", 16, "Commission, ECI website, Group of organisers"},
		{"BE", 16, "Belgian law of 1 June 2022 on the election of the European Parliament; Commission, Group of organisers"},
		{"DE", 16, "Sechstes Gesetz zur Änderung des Europawahlgesetzes, 11 January 2023, BGBl. 2023 I Nr. 11"},
		{"MT", 16, "Commission, ECI website, Group of organisers"},
		{"GR", 17, "Commission, ECI website, Group of organisers"},
		{"EL", 17, "the EU's code for Greece"},
		{"de", 16, "codes in any case"},
		{"FR", 18, "Commission, Group of organisers: 18 elsewhere"},
		{"RO", 18, "Commission, Group of organisers: 18 elsewhere"},
		{"CH", 18, "outside the EU: 18"},
	} {
		if got := VotingAge(tt.country); got != tt.want {
			t.Errorf("VotingAge(%s) = %d, want %d (%s)", tt.country, got, tt.want, tt.source)
		}
	}
	// Every other Member State votes at 18.
	for _, c := range Countries {
		if !slices.ContainsFunc(VotingAges, func(r VotingAgeRow) bool { return r.Country == c }) && VotingAge(c) != DefaultVotingAge {
			t.Errorf("VotingAge(%s) = %d, want %d", c, VotingAge(c), DefaultVotingAge)
		}
	}
}

// TestVotingAgesTable: each row is one Member State, in order of code,
// with an age below the default, and names its source and since when.
func TestVotingAgesTable(t *testing.T) {
	for i, r := range VotingAges {
		if !IsMemberState(r.Country) || r.Country != NormalizeCountry(r.Country) || i > 0 && VotingAges[i-1].Country >= r.Country {
			t.Errorf("row %d %q: want a Member State's code, once, in order", i, r.Country)
		}
		if r.Age < 16 || r.Age >= DefaultVotingAge || r.Source == "" || r.Since == "" {
			t.Errorf("row %+v: want an age from 16 to %d, a source and a date", r, DefaultVotingAge-1)
		}
	}
}

func TestMemberStates(t *testing.T) {
	if len(Countries) != 27 || !slices.IsSorted(Countries) {
		t.Fatalf("Countries = %d, sorted %v, want 27 sorted", len(Countries), slices.IsSorted(Countries))
	}
	for _, tt := range []struct {
		code string
		want bool
	}{{"RO", true}, {"lv", true}, {"EL", true}, {"GR", true}, {"GB", false}, {"UK", false}, {"NO", false}, {"CH", false}, {"", false}} {
		if got := IsMemberState(tt.code); got != tt.want {
			t.Errorf("IsMemberState(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestLength(t *testing.T) {
	lv := strings.Repeat("ā", 100) // 200 bytes
	el := strings.Repeat("Ω", 101)
	title, _ := LimitOf("title")
	for _, tt := range []struct {
		name, s string
		max     int
		want    []string
	}{
		{"100 Latvian characters", lv, 100, nil},
		{"101 Greek characters", el, 100, []string{"rule.too_long_title"}},
		{"CR LF counts as one", strings.Repeat("a\r\n", 50) + "a", 101, nil},
		{"spaces around are trimmed", "  " + lv + "\n", 100, nil},
		{"emoji is one character", strings.Repeat("🇪", 100), 100, nil},
		{"spaces inside count", strings.Repeat("a ", 50) + "a", 100, []string{"rule.too_long_title"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := title
			l.Max = tt.max
			if got := keys(l.Check(tt.s)); !slices.Equal(got, tt.want) {
				t.Errorf("Check(%d bytes) = %q, want %q", len(tt.s), got, tt.want)
			}
		})
	}
	if got := Length(lv); got != 100 {
		t.Errorf("Length(100 × ā) = %d, want 100", got)
	}
}

// TestLengthNoSpaces: Annex II of Regulation (EU) 2019/788 (point 2) limits
// the objectives to 1 100 and the annex to 5 000 characters, spaces not
// counted; white space is Unicode's White_Space (ADR 9).
func TestLengthNoSpaces(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"Save the bees", 11},
		{"  a\tb\r\nc\nd\v\fe  ", 5},
		{"Objectifs\u00a0: l'eau\u202fpour tous", 23},             // French no-break spaces
		{"a\u0085b\u2028c\u2029d\u3000e\u1680f\u2003g\u205fh", 8}, // other line breaks and spaces
		{"a\u200bb\ufeffc", 5},                                    // zero-width characters are not white space
		{"Ūdens visiem", 11},
	} {
		if got := LengthNoSpaces(tt.s); got != tt.want {
			t.Errorf("LengthNoSpaces(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
	for _, tt := range []struct {
		field string
		max   int
		count Counting
	}{
		{"title", 100, AllCharacters},   // Annex II, point 1
		{"objectives", 1100, NoSpaces},  // Annex II, point 2
		{"annex", 5000, NoSpaces},       // Annex II, point 2, second subparagraph
		{"treaty", 5000, AllCharacters}, // the portal's own
		{"website", 500, AllCharacters}, // the portal's own
	} {
		l, ok := LimitOf(tt.field)
		if !ok || l.Max != tt.max || l.Count != tt.count || l.Source == "" {
			t.Errorf("LimitOf(%s) = %+v, %v, want %d counted %d, with a source", tt.field, l, ok, tt.max, tt.count)
		}
	}
	if _, ok := LimitOf("categories"); ok {
		t.Error("LimitOf(categories) found a limit")
	}
}

func TestCheckDraft(t *testing.T) {
	ok := Draft{Title: "Save the bees", Objectives: "x", Treaty: "Art. 192 TFEU", Website: "https://example.org", Categories: []string{"ENV"}, Language: "en"}
	for _, tt := range []struct {
		name   string
		change func(d *Draft)
		want   []string
	}{
		{"valid", func(*Draft) {}, nil},
		{"no title", func(d *Draft) { d.Title = " " }, []string{"rule.missing_title"}},
		{"title 101", func(d *Draft) { d.Title = strings.Repeat("ž", 101) }, []string{"rule.too_long_title"}},
		{"objectives 1100", func(d *Draft) { d.Objectives = strings.Repeat("ș", 1100) }, nil},
		{"objectives 1100 and 900 spaces", func(d *Draft) { d.Objectives = strings.Repeat("ș ", 900) + strings.Repeat("ș", 200) }, nil},
		{"objectives 1101", func(d *Draft) { d.Objectives = strings.Repeat("ș", 1101) }, []string{"rule.too_long_objectives"}},
		{"annex 5000", func(d *Draft) { d.Annex = strings.Repeat("é", 5000) }, nil},
		{"annex 5000 and line breaks", func(d *Draft) { d.Annex = strings.Repeat("é\r\n\r\n", 5000) }, nil},
		{"annex 5001", func(d *Draft) { d.Annex = strings.Repeat("é", 5001) }, []string{"rule.too_long_annex"}},
		{"title counts its spaces", func(d *Draft) { d.Title = strings.Repeat("ab ", 34) }, []string{"rule.too_long_title"}},
		{"website not http", func(d *Draft) { d.Website = "javascript:alert(1)" }, []string{"rule.bad_website"}},
		{"website with a space", func(d *Draft) { d.Website = "https://a b" }, []string{"rule.bad_website"}},
		{"website over http", func(d *Draft) { d.Website = "http://example.org" }, []string{"rule.bad_website"}},
		{"website without a host", func(d *Draft) { d.Website = "https://" }, []string{"rule.bad_website"}},
		{"website with a user", func(d *Draft) { d.Website = "https://evil@example.org" }, []string{"rule.bad_website"}},
		{"website https", func(d *Draft) { d.Website = "https://water.example.org/about?lang=lv" }, nil},
		{"no website", func(d *Draft) { d.Website = "" }, nil},
		{"unknown category", func(d *Draft) { d.Categories = []string{"ENV", "FOO"} }, []string{"rule.bad_category"}},
		{"unknown language", func(d *Draft) { d.Language = "xx" }, []string{"rule.bad_language"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			tt.change(&d)
			if got := keys(CheckDraft(d)); !slices.Equal(got, tt.want) {
				t.Errorf("CheckDraft() = %q, want %q", got, tt.want)
			}
		})
	}
	if got, want := keys(CheckComplete(Draft{Title: "t"})), []string{"rule.missing_objectives", "rule.missing_treaty", "rule.missing_category", "rule.missing_language"}; !slices.Equal(got, want) {
		t.Errorf("CheckComplete(title only) = %q, want %q", got, want)
	}
	if got := CheckComplete(ok); got != nil {
		t.Errorf("CheckComplete(valid) = %q, want none", keys(got))
	}
}

func TestListsFromDomain(t *testing.T) {
	if len(Categories) != 18 || len(Languages) != 24 {
		t.Errorf("%d categories, %d languages, want 18 and 24", len(Categories), len(Languages))
	}
	th := Thresholds()
	if len(th) != 27 {
		t.Fatalf("%d thresholds, want 27", len(th))
	}
	seen := map[string]bool{}
	for i, x := range th {
		if !IsMemberState(x.Country) || seen[x.Country] || x.Min%720 != 0 || i > 0 && x.Min > th[i-1].Min {
			t.Errorf("threshold %d = %+v: want each Member State once, a multiple of 720, largest first", i, x)
		}
		seen[x.Country] = true
	}
	if th[0] != (Threshold{"DE", 69120}) || th[26] != (Threshold{"MT", 4320}) {
		t.Errorf("thresholds run %v … %v, want DE 69120 … MT 4320", th[0], th[26])
	}
	if MustDeclare(500_00) || !MustDeclare(500_01) {
		t.Error("MustDeclare: want sources above EUR 500 only")
	}
}

func TestRegistrationNumber(t *testing.T) {
	if got, want := RegistrationNumber(2022, 2), "ECI(2022)000002"; got != want {
		t.Errorf("RegistrationNumber(2022, 2) = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		s         string
		year, seq int
		ok        bool
	}{
		{"ECI(2022)000002", 2022, 2, true},
		{"ECI(2026)123456", 2026, 123456, true},
		{"ECI(2026)000000", 0, 0, false},
		{"ECI(26)000001", 0, 0, false},
		{"ECI(2026)0000001", 0, 0, false},
		{"eci(2026)000001", 0, 0, false},
		{" ECI(2026)000001", 0, 0, false},
	} {
		y, n, ok := ParseRegistrationNumber(tt.s)
		if y != tt.year || n != tt.seq || ok != tt.ok {
			t.Errorf("ParseRegistrationNumber(%q) = %d, %d, %v, want %d, %d, %v", tt.s, y, n, ok, tt.year, tt.seq, tt.ok)
		}
	}
}

func TestPeriods(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  time.Time
		want string
	}{
		{"deadline", DecisionDeadline(day("2026-03-14")), "2026-05-14"},
		{"deadline from 31 December", DecisionDeadline(day("2025-12-31")), "2026-02-28"},
		{"deadline in a leap year", DecisionDeadline(day("2027-12-31")), "2028-02-29"},
		{"deadline ignores the hour", DecisionDeadline(time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)), "2026-05-14"},
		{"extended deadline", ExtendedDecisionDeadline(day("2026-03-14")), "2026-07-14"},
		{"extended deadline from 31 October", ExtendedDecisionDeadline(day("2025-10-31")), "2026-02-28"},
		{"latest start", LatestCollectionStart(day("2026-08-31")), "2027-02-28"},
		{"collection end", CollectionEnd(day("2026-05-01")), "2027-04-30"},
		{"collection end from 29 February", CollectionEnd(day("2028-02-29")), "2029-02-27"},
	} {
		if got := tt.got.Format(time.DateOnly); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestCheckCollectionStart: Article 8(1) of the Regulation: the collection
// starts at the latest six months after registration, and the group tells
// the Commission the date at the latest 10 working days before it.
func TestCheckCollectionStart(t *testing.T) {
	reg := day("2026-03-14")
	for _, tt := range []struct {
		today, start string
		want         []string
	}{
		{"2026-03-14", "2026-03-14", []string{"rule.collection_start_notice"}}, // today: no notice at all
		{"2026-03-14", "2026-03-27", []string{"rule.collection_start_notice"}}, // 9 working days
		{"2026-03-14", "2026-03-28", nil},                                      // 10 working days: 16 to 27 March
		{"2026-03-14", "2026-09-14", nil},
		{"2026-03-14", "2026-09-15", []string{"rule.collection_start_late"}},
		{"2026-04-01", "2026-03-31", []string{"rule.collection_start_notice"}},
		{"2026-03-14", "2026-03-13", []string{"rule.collection_start_notice"}},
		{"2026-09-10", "2026-09-14", []string{"rule.collection_start_notice"}}, // too late to give notice
	} {
		if got := keys(CheckCollectionStart(reg, day(tt.today), day(tt.start))); !slices.Equal(got, tt.want) {
			t.Errorf("CheckCollectionStart(%s, today %s, %s) = %q, want %q", reg.Format(time.DateOnly), tt.today, tt.start, got, tt.want)
		}
	}
	ps := CheckCollectionStart(reg, day("2026-03-14"), day("2026-03-20"))
	if len(ps) != 1 || fmt.Sprint(ps[0].Args) != "[date "+day("2026-03-28").String()+"]" {
		t.Errorf("CheckCollectionStart() = %v, want the earliest date 2026-03-28", ps)
	}
}

// TestEarliestCollectionStart: the day after the tenth working day from
// today (Article 8(1) of the Regulation; working days as Regulation (EEC,
// Euratom) No 1182/71, Article 2(2), defines them: not Saturdays, Sundays
// or the Commission's public holidays).
func TestEarliestCollectionStart(t *testing.T) {
	for _, tt := range []struct {
		today, want, why string
	}{
		{"2026-03-14", "2026-03-28", "Saturday: 16 to 20 and 23 to 27 March"},
		{"2026-03-16", "2026-03-28", "Monday: today counts, 16 to 27 March"},
		{"2026-03-17", "2026-03-31", "Tuesday: 17 March to 30 March"},
		{"2026-03-27", "2026-04-15", "Easter: Maundy Thursday 2, Good Friday 3 and Easter Monday 6 April are holidays"},
		{"2026-12-18", "2027-01-12", "the end-of-year days 24 to 31 December, and 1 January"},
		{"2026-05-01", "2026-05-20", "Labour Day; Ascension 14 and 15 May"},
		{"2026-03-14T23:59:00Z", "2026-03-28", "the date, not the hour"},
	} {
		today, err := time.Parse(time.RFC3339, tt.today)
		if err != nil {
			today = day(tt.today)
		}
		if got := EarliestCollectionStart(today).Format(time.DateOnly); got != tt.want {
			t.Errorf("EarliestCollectionStart(%s) = %s, want %s (%s)", tt.today, got, tt.want, tt.why)
		}
	}
}

func TestEaster(t *testing.T) {
	for _, d := range []string{"2000-04-23", "2014-04-20", "2019-04-21", "2023-04-09", "2025-04-20", "2026-04-05", "2027-03-28", "2038-04-25", "2285-03-22"} {
		if got := Easter(day(d).Year()).Format(time.DateOnly); got != d {
			t.Errorf("Easter(%d) = %s, want %s", day(d).Year(), got, d)
		}
	}
}

// TestCommissionHolidays: the holidays on weekdays are those of the
// Commission's decisions for 2014 (OJ C 39, 12.2.2013, p. 26) and 2023 (OJ C
// 201 I, 28.5.2021, p. 2), for its staff in Brussels.
func TestCommissionHolidays(t *testing.T) {
	for year, want := range map[int][]string{
		2014: {"01-01", "01-02", "04-17", "04-18", "04-21", "05-01", "05-09", "05-29", "05-30", "06-09", "07-21", "08-15",
			"12-24", "12-25", "12-26", "12-29", "12-30", "12-31"},
		2023: {"01-02", "04-06", "04-07", "04-10", "05-01", "05-09", "05-18", "05-19", "05-29", "07-21", "08-15", "11-01", "11-02",
			"12-25", "12-26", "12-27", "12-28", "12-29"},
	} {
		var got []string
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && IsHoliday(d) {
				got = append(got, d.Format("01-02"))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("weekday holidays of %d = %q, want %q (%s)", year, got, want, HolidaysSource)
		}
	}
	for _, tt := range []struct {
		day  string
		want bool
	}{{"2026-03-16", true}, {"2026-03-14", false}, {"2026-03-15", false}, {"2026-04-03", false}, {"2026-12-24", false}, {"2027-01-04", true}} {
		if got := IsWorkingDay(day(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}
