package rules

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Problem is one rule not met: a message key and its arguments (name, value
// pairs for i18n.Localizer.T).
type Problem struct {
	Key  string
	Args []any
}

// String returns the key and arguments, for logs and test failures.
func (p Problem) String() string {
	if len(p.Args) == 0 {
		return p.Key
	}
	return fmt.Sprint(p.Key, p.Args)
}

// Countries lists the 27 Member States by the two-letter codes the portal
// stores (ISO 3166-1 alpha-2, so Greece is GR; the EU's own "EL" is accepted
// by NormalizeCountry), in alphabetical order of code.
var Countries = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

// NormalizeCountry returns a country code in upper case, with the EU's "EL"
// and "UK" spelled GR and GB.
func NormalizeCountry(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	switch c {
	case "EL":
		return "GR"
	case "UK":
		return "GB"
	}
	return c
}

// IsMemberState reports whether code names one of the 27 Member States.
func IsMemberState(code string) bool {
	_, ok := slices.BinarySearch(Countries, NormalizeCountry(code))
	return ok
}

// VotingAgeRow is the minimum age to vote in European Parliament elections
// in one Member State that does not follow DefaultVotingAge, with where the
// age comes from.
type VotingAgeRow struct {
	Country string // Member State code, as in Countries
	Age     int
	Since   string // when this age first applied
	Source  string // the national law, or the Commission's page, that says so
}

// DefaultVotingAge is the age to vote in European Parliament elections in
// every Member State not listed in VotingAges. The Union leaves the age to
// national law; the Commission's page for organisers states 18 except
// where VotingAges says otherwise.
const DefaultVotingAge = 18

// commissionGroupPage is the Commission's page on the group of organisers,
// which lists the ages that differ from 18.
const commissionGroupPage = "European Commission, ECI website, Group of organisers (citizens-initiative.europa.eu/group-organisers_en)"

// VotingAges lists the Member States whose voting age in European
// Parliament elections is not DefaultVotingAge, one row each, in order of
// code. When a Member State changes its age, its row changes (or a row is
// added): nothing else does.
var VotingAges = []VotingAgeRow{
	{"AT", 16, "the European elections of 2009", commissionGroupPage},
	{"BE", 16, "the European elections of 2024 (law in force on 1 May 2023)",
		"Loi du 1er juin 2022 modifiant la loi du 23 mars 1989 relative à l'élection du Parlement européen en vue d'offrir aux citoyens la faculté de voter dès l'âge de 16 ans; " + commissionGroupPage},
	{"DE", 16, "the European elections of 2024 (law of 11 January 2023)",
		"Sechstes Gesetz zur Änderung des Europawahlgesetzes of 11 January 2023, BGBl. 2023 I Nr. 11 (Europawahlgesetz § 6(1))"},
	{"GR", 17, "the European elections of 2019", commissionGroupPage},
	{"MT", 16, "the European elections of 2019", commissionGroupPage},
}

// VotingAge returns the minimum age to vote in European Parliament
// elections in a Member State: its row of VotingAges, or DefaultVotingAge.
func VotingAge(country string) int {
	c := NormalizeCountry(country)
	for _, r := range VotingAges {
		if r.Country == c {
			return r.Age
		}
	}
	return DefaultVotingAge
}

// Age returns the age in whole years on day of a person born on birth
// (both read as calendar dates in UTC). A person born on 29 February
// reaches a new age on 1 March in common years.
func Age(birth, day time.Time) int {
	birth, day = Date(birth), Date(day)
	years := day.Year() - birth.Year()
	// The birthday of that year; time.Date turns 29 February of a common
	// year into 1 March.
	if day.Before(time.Date(day.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)) {
		years--
	}
	return years
}

// Date returns the calendar date of t in UTC, at midnight.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Group composition limits. The Regulation sets no maximum: Annex II asks
// for the full details of seven members (and of the contact persons, when
// they are not among the seven) and the names of the other members, however
// many. The portal's own limit against abuse is eci.DefaultMaxGroup, not a
// rule.
const (
	// MinMembers is the smallest group: seven members who are not MEPs
	// (Article 5(1) of the Regulation).
	MinMembers = 7
	// MinCountries is how many Member States the seven must reside in.
	MinCountries = 7
)

// Member is a member of the group of organisers as the rules see them.
type Member struct {
	Ref         string    // the member's id, to match the contact persons
	Name        string    // shown in problems
	Confirmed   bool      // the member confirmed their details and consent
	Nationality string    // Member State code; "" when not given
	Residence   string    // country code of residence
	BirthDate   time.Time // zero when not given
	MEP         bool      // a Member of the European Parliament
}

// Group is a group of organisers and its contact persons (Refs of members;
// "" when not designated).
type Group struct {
	Members                    []Member
	Representative, Substitute string
}

// CheckGroup checks the group on day and returns every problem, the
// group's first, then each member's in order.
//
// A member counts toward the seven only when they confirmed their details,
// are an EU citizen old enough to vote where they reside, and are not an
// MEP; the seven Member States are the residences of those members.
func CheckGroup(g Group, day time.Time) []Problem {
	var group, each []Problem
	counted := 0
	meps := 0
	states := map[string]bool{}
	refs := map[string]bool{}
	for _, m := range g.Members {
		refs[m.Ref] = true
		if !m.Confirmed {
			each = append(each, Problem{"rule.member_unconfirmed", []any{"name", m.Name}})
			continue
		}
		ok := true
		if !IsMemberState(m.Nationality) {
			each = append(each, Problem{"rule.member_not_citizen", []any{"name", m.Name}})
			ok = false
		}
		if min := VotingAge(m.Residence); m.BirthDate.IsZero() || Age(m.BirthDate, day) < min {
			each = append(each, Problem{"rule.member_under_age", []any{"name", m.Name, "age", min, "country", NormalizeCountry(m.Residence)}})
			ok = false
		}
		switch {
		case m.MEP:
			meps++
		case ok:
			counted++
			if IsMemberState(m.Residence) {
				states[NormalizeCountry(m.Residence)] = true
			}
		}
	}
	if counted < MinMembers {
		if meps > 0 {
			group = append(group, Problem{"rule.group_too_few_meps", []any{"count", counted, "meps", meps, "min", MinMembers}})
		} else {
			group = append(group, Problem{"rule.group_too_few", []any{"count", counted, "min", MinMembers}})
		}
	}
	if len(states) < MinCountries {
		group = append(group, Problem{"rule.group_too_few_countries", []any{"count", len(states), "min", MinCountries}})
	}
	if g.Representative == "" || !refs[g.Representative] {
		group = append(group, Problem{Key: "rule.no_representative"})
	}
	switch {
	case g.Substitute == "" || !refs[g.Substitute]:
		group = append(group, Problem{Key: "rule.no_substitute"})
	case g.Substitute == g.Representative:
		group = append(group, Problem{Key: "rule.same_contacts"})
	}
	return append(group, each...)
}

// Text length limits, in characters. Annex II of the Regulation limits the
// title (point 1) and the objectives and the optional annex (point 2); it
// counts the objectives and the annex without spaces (see Limits).
const (
	MaxTitle      = 100
	MaxObjectives = 1100
	MaxAnnex      = 5000
	// MaxTreaty and MaxWebsite are the portal's own limits (the regulation
	// sets none), against abuse.
	MaxTreaty  = 5000
	MaxWebsite = 500
)

// Counting says which characters of a text a limit counts.
type Counting int

const (
	// AllCharacters counts every character (Unicode code point) of the
	// text after NormalizeText: Length.
	AllCharacters Counting = iota
	// NoSpaces counts the characters that are not white space (IsSpace):
	// LengthNoSpaces. Annex II counts the objectives and the annex so
	// ("Leerzeichen nicht eingerechnet" in its German text).
	NoSpaces
)

// Limit is the most characters a text of the draft may have, how they are
// counted and where the limit comes from.
type Limit struct {
	Field  string // the form's field; its problem is rule.too_long_<Field>
	Max    int
	Count  Counting
	Source string
}

// Limits are the limits of the draft's texts, in the order of the form.
var Limits = []Limit{
	{"title", MaxTitle, AllCharacters, "Regulation (EU) 2019/788, Annex II, point 1"},
	{"objectives", MaxObjectives, NoSpaces, "Regulation (EU) 2019/788, Annex II, point 2, first subparagraph"},
	{"annex", MaxAnnex, NoSpaces, "Regulation (EU) 2019/788, Annex II, point 2, second subparagraph"},
	{"treaty", MaxTreaty, AllCharacters, "the portal, against abuse"},
	{"website", MaxWebsite, AllCharacters, "the portal, against abuse"},
}

// LimitOf returns the limit of a field of Limits, and false for a field
// without one.
func LimitOf(field string) (Limit, bool) {
	i := slices.IndexFunc(Limits, func(l Limit) bool { return l.Field == field })
	if i < 0 {
		return Limit{}, false
	}
	return Limits[i], true
}

// NormalizeText makes submitted text comparable with what the user typed:
// a browser sends a textarea's line breaks as CR LF, which the user (and a
// live counter) sees as one character.
func NormalizeText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// Length returns the length of s in characters (Unicode code points) after
// NormalizeText, never in bytes: "Ā" is one character in two bytes.
func Length(s string) int { return utf8.RuneCountInString(NormalizeText(s)) }

// IsSpace reports whether r is white space, which a NoSpaces limit does not
// count: a character with Unicode's White_Space property. That is the space
// and the no-break spaces (U+00A0, U+202F) and every other space separator,
// the tab, and every line break (LF, CR, vertical tab, form feed, U+0085,
// U+2028, U+2029): a line break shows no character, and a text pasted from
// a word processor or written with French typography holds no-break spaces
// that its writer typed as spaces. Zero-width characters (U+200B, U+FEFF)
// are not white space in Unicode, and count. counter.js lists the same
// characters.
func IsSpace(r rune) bool { return unicode.IsSpace(r) }

// LengthNoSpaces returns the number of characters (Unicode code points) of
// s that are not white space (IsSpace).
func LengthNoSpaces(s string) int {
	n := 0
	for _, r := range s {
		if !IsSpace(r) {
			n++
		}
	}
	return n
}

// Length returns the length of s as l counts it.
func (l Limit) Length(s string) int {
	if l.Count == NoSpaces {
		return LengthNoSpaces(s)
	}
	return Length(s)
}

// Check returns the problem of a text longer than l allows, or nil. The
// problem gives the length as l counts it, so that the message tells the
// user the same number the rule sees.
func (l Limit) Check(s string) []Problem {
	if n := l.Length(s); n > l.Max {
		return []Problem{{"rule.too_long_" + l.Field, []any{"max", l.Max, "count", n}}}
	}
	return nil
}

// Categories lists the subject categories of the register.
var Categories = []string{
	"AGRI", "CULT", "DECO", "DEVCO", "EDU", "EMPL", "ENER", "ENV", "EURO",
	"JUST", "MARE", "MIGR", "REGIO", "RSH", "SANTE", "SEC", "TRA", "TRADE",
}

// IsCategory reports whether c is one of Categories.
func IsCategory(c string) bool { return slices.Contains(Categories, c) }

// Languages lists the 24 official EU languages an initiative may be
// written in, by code.
var Languages = []string{
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
	"hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
}

// IsLanguage reports whether l is one of Languages.
func IsLanguage(l string) bool { return slices.Contains(Languages, l) }

// Draft is the text of an initiative as the rules see it.
type Draft struct {
	Title, Objectives, Annex, Treaty, Website string
	Categories                                []string
	Language                                  string
}

// CheckDraft returns the problems that stop a draft from being saved:
// texts too long, unknown categories or language, a website that is not an
// http(s) address. A missing title is also refused: it names the draft.
func CheckDraft(d Draft) []Problem {
	var ps []Problem
	if NormalizeText(d.Title) == "" {
		ps = append(ps, Problem{Key: "rule.missing_title"})
	}
	texts := map[string]string{"title": d.Title, "objectives": d.Objectives, "annex": d.Annex, "treaty": d.Treaty, "website": d.Website}
	for _, l := range Limits {
		ps = append(ps, l.Check(texts[l.Field])...)
	}
	if w := NormalizeText(d.Website); w != "" && !validWebsite(w) {
		ps = append(ps, Problem{Key: "rule.bad_website"})
	}
	for _, c := range d.Categories {
		if !IsCategory(c) {
			ps = append(ps, Problem{Key: "rule.bad_category"})
			break
		}
	}
	if d.Language != "" && !IsLanguage(d.Language) {
		ps = append(ps, Problem{Key: "rule.bad_language"})
	}
	return ps
}

// CheckComplete returns what a saved draft still lacks for a registration
// request: objectives, the Treaty provisions, at least one category and the
// language of the original text.
func CheckComplete(d Draft) []Problem {
	var ps []Problem
	if NormalizeText(d.Objectives) == "" {
		ps = append(ps, Problem{Key: "rule.missing_objectives"})
	}
	if NormalizeText(d.Treaty) == "" {
		ps = append(ps, Problem{Key: "rule.missing_treaty"})
	}
	if len(d.Categories) == 0 {
		ps = append(ps, Problem{Key: "rule.missing_category"})
	}
	if d.Language == "" {
		ps = append(ps, Problem{Key: "rule.missing_language"})
	}
	return ps
}

// registrationRE is the form of a registration number.
var registrationRE = regexp.MustCompile(`^ECI\(([0-9]{4})\)([0-9]{6})$`)

// RegistrationNumber formats the seq-th registration of year, e.g.
// ECI(2026)000002. seq counts from 1.
func RegistrationNumber(year, seq int) string { return fmt.Sprintf("ECI(%04d)%06d", year, seq) }

// ParseRegistrationNumber returns the year and sequence of a registration
// number, and whether it is well formed.
func ParseRegistrationNumber(s string) (year, seq int, ok bool) {
	m := registrationRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	seq, _ = strconv.Atoi(m[2])
	if seq == 0 {
		return 0, 0, false
	}
	return year, seq, true
}

// AddMonths returns the date n months after day's date, counted as
// Regulation (EEC, Euratom) No 1182/71 counts periods in months: the same
// date of the month, or the last day of the month when it has no such date
// (31 August + 6 months = 28 or 29 February).
func AddMonths(day time.Time, n int) time.Time {
	day = Date(day)
	first := time.Date(day.Year(), day.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day.Day(), last), 0, 0, 0, 0, time.UTC)
}

// DecisionDeadline returns the last day for the Commission's decision on a
// registration request submitted on submitted: two months later.
func DecisionDeadline(submitted time.Time) time.Time { return AddMonths(submitted, 2) }

// ExtendedDecisionDeadline returns the day by which the Commission decides
// when it asked the organisers for changes: four months after submission
// (DOMAIN.md section 4, "up to four when the Commission asks for changes").
func ExtendedDecisionDeadline(submitted time.Time) time.Time { return AddMonths(submitted, 4) }

// LatestCollectionStart returns the last day the collection of an
// initiative registered on registered may start: six months later.
func LatestCollectionStart(registered time.Time) time.Time { return AddMonths(registered, 6) }

// CollectionEnd returns the last day of a collection starting on start:
// the collection lasts at most twelve months, start day included.
func CollectionEnd(start time.Time) time.Time { return AddMonths(start, 12).AddDate(0, 0, -1) }

// NoticeWorkingDays is how many working days before the start of the
// collection the group of organisers must tell the Commission the date
// they chose (Article 8(1) of the Regulation: at the latest 10 working
// days before that date).
const NoticeWorkingDays = 10

// Holiday is one of the Commission's public holidays: a date of every
// year (Month and Day, through Through when it is a run of days), or a day
// counted from Easter Sunday (FromEaster days after it, negative before;
// Month is then zero).
type Holiday struct {
	Name       string
	Month      time.Month
	Day        int
	Through    int // the last day of a run (24 to 31 December); 0 for one day
	FromEaster int
}

// HolidaysSource is where CommissionHolidays come from. The Commission
// adopts the list each year for the staff of the institutions in Brussels
// and Luxembourg, always the same days: the decisions for 2014 and 2023,
// which TestCommissionHolidays checks, are two of them.
const HolidaysSource = "Commission decisions on the public holidays of the staff of the European institutions in Brussels and Luxembourg, " +
	"e.g. of 21 December 2012 for 2014 (OJ C 39, 12.2.2013, p. 26) and of 25 May 2021 for 2023 (OJ C 201 I, 28.5.2021, p. 2)"

// CommissionHolidays are the Commission's public holidays in Brussels,
// where it receives the organisers' notice. A day of them that falls on a
// Saturday or a Sunday is not replaced.
var CommissionHolidays = []Holiday{
	{Name: "New Year's Day", Month: time.January, Day: 1},
	{Name: "Day after New Year's Day", Month: time.January, Day: 2},
	{Name: "Maundy Thursday", FromEaster: -3},
	{Name: "Good Friday", FromEaster: -2},
	{Name: "Easter Monday", FromEaster: 1},
	{Name: "Labour Day", Month: time.May, Day: 1},
	{Name: "Anniversary of the Declaration by Robert Schuman in 1950", Month: time.May, Day: 9},
	{Name: "Ascension Day", FromEaster: 39},
	{Name: "Day after Ascension Day", FromEaster: 40},
	{Name: "Whit Monday", FromEaster: 50},
	{Name: "Belgian National Holiday (staff in Brussels)", Month: time.July, Day: 21},
	{Name: "Assumption", Month: time.August, Day: 15},
	{Name: "All Saints' Day", Month: time.November, Day: 1},
	{Name: "All Souls' Day", Month: time.November, Day: 2},
	{Name: "End-of-year days", Month: time.December, Day: 24, Through: 31},
}

// Easter returns Easter Sunday of year (Gregorian calendar), by the
// anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func Easter(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// IsHoliday reports whether day is one of CommissionHolidays.
func IsHoliday(day time.Time) bool {
	day = Date(day)
	easter := Easter(day.Year())
	for _, h := range CommissionHolidays {
		if h.Month == 0 {
			if day.Equal(easter.AddDate(0, 0, h.FromEaster)) {
				return true
			}
			continue
		}
		last := max(h.Through, h.Day)
		if day.Month() == h.Month && day.Day() >= h.Day && day.Day() <= last {
			return true
		}
	}
	return false
}

// IsWorkingDay reports whether day is a working day as Regulation (EEC,
// Euratom) No 1182/71 (Article 2(2)) defines it for the Commission: not a
// Saturday, a Sunday or one of the Commission's public holidays.
func IsWorkingDay(day time.Time) bool {
	wd := day.UTC().Weekday()
	return wd != time.Saturday && wd != time.Sunday && !IsHoliday(day)
}

// EarliestCollectionStart returns the first day the collection may start
// when the group tells the Commission on today: the day after the tenth
// working day counted from today, today included when it is one. Then at
// least NoticeWorkingDays working days lie from today to the day before
// the start, so today is "at the latest 10 working days before" the start.
func EarliestCollectionStart(today time.Time) time.Time {
	day := Date(today)
	for n := 0; ; day = day.AddDate(0, 0, 1) {
		if IsWorkingDay(day) {
			if n++; n == NoticeWorkingDays {
				return day.AddDate(0, 0, 1)
			}
		}
	}
}

// CheckCollectionStart returns the problem of a collection start date
// chosen on today for an initiative registered on registered, or nil: the
// Commission must be told at least NoticeWorkingDays working days before
// the start (EarliestCollectionStart, which also keeps it after today and
// the registration), and it may start at the latest six months after the
// registration.
func CheckCollectionStart(registered, today, start time.Time) []Problem {
	start = Date(start)
	if earliest := EarliestCollectionStart(today); start.Before(earliest) {
		return []Problem{{"rule.collection_start_notice", []any{"date", earliest}}}
	}
	if latest := LatestCollectionStart(registered); start.After(latest) {
		return []Problem{{"rule.collection_start_late", []any{"date", latest}}}
	}
	return nil
}

// FundingThreshold is the amount, in euro cents, above which each source
// of support and funding must be declared.
const FundingThreshold = 500_00

// MustDeclare reports whether a source of amountCents must be declared.
func MustDeclare(amountCents int64) bool { return amountCents > FundingThreshold }

// Threshold is the minimum number of statements of support in a Member
// State.
type Threshold struct {
	Country string
	Min     int
}

// Thresholds returns the per-country minimum numbers of statements of
// support for initiatives registered from 16 July 2024 (MEPs x 720),
// largest first.
func Thresholds() []Threshold {
	return []Threshold{
		{"DE", 69120}, {"FR", 58320}, {"IT", 54720}, {"ES", 43920}, {"PL", 38160}, {"RO", 23760},
		{"NL", 22320}, {"BE", 15840}, {"CZ", 15120}, {"GR", 15120}, {"HU", 15120}, {"PT", 15120},
		{"SE", 15120}, {"AT", 14400}, {"BG", 12240}, {"DK", 10800}, {"FI", 10800}, {"SK", 10800},
		{"IE", 10080}, {"HR", 8640}, {"LT", 7920}, {"LV", 6480}, {"SI", 6480}, {"EE", 5040},
		{"CY", 4320}, {"LU", 4320}, {"MT", 4320},
	}
}

// Statements of support needed for a successful initiative.
const (
	MinStatements       = 1_000_000
	MinThresholdCountry = 7
)

// validWebsite reports whether w is an https address of a named host:
// https://example.org/page, not http://, javascript: or "https://".
func validWebsite(w string) bool {
	if strings.ContainsAny(w, " \t\r\n") {
		return false
	}
	u, err := url.Parse(w)
	return err == nil && u.Scheme == "https" && u.Hostname() != "" && u.User == nil && u.Opaque == ""
}
