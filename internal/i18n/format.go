package i18n

import (
	"sync"
	"time"
	_ "time/tzdata" // the zones of Zone, whatever the host has installed
)

// dateLayouts are the numeric date patterns of CLDR's short or medium
// formats for each language, as Go layouts, and the separator between
// hours and minutes.
var dateLayouts = map[string]struct{ date, clock string }{
	"bg": {"2.01.2006 г.", "15:04"},
	"cs": {"2. 1. 2006", "15:04"},
	"da": {"02.01.2006", "15.04"},
	"de": {"02.01.2006", "15:04"},
	"el": {"2/1/2006", "15:04"},
	"en": {"02/01/2006", "15:04"},
	"es": {"2/1/2006", "15:04"},
	"et": {"2.01.2006", "15:04"},
	"fi": {"2.1.2006", "15.04"},
	"fr": {"02/01/2006", "15:04"},
	"ga": {"02/01/2006", "15:04"},
	"hr": {"02. 01. 2006.", "15:04"},
	"hu": {"2006. 01. 02.", "15:04"},
	"it": {"02/01/2006", "15:04"},
	"lt": {"2006-01-02", "15:04"},
	"lv": {"02.01.2006.", "15:04"},
	"mt": {"02/01/2006", "15:04"},
	"nl": {"2-1-2006", "15:04"},
	"pl": {"02.01.2006", "15:04"},
	"pt": {"02/01/2006", "15:04"},
	"ro": {"02.01.2006", "15:04"},
	"sk": {"2. 1. 2006", "15:04"},
	"sl": {"2. 01. 2006", "15:04"},
	"sv": {"2006-01-02", "15:04"},
}

func layouts(tag string) (date, clock string) {
	l, ok := dateLayouts[tag]
	if !ok {
		l = dateLayouts[Default]
	}
	return l.date, l.clock
}

// Date writes the day of t in loc as the localizer's language writes dates
// ("02.12.2026" in German, "2026-12-02" in Swedish).
func (l *Localizer) Date(t time.Time, loc *time.Location) string {
	date, _ := layouts(l.Lang)
	return t.In(loc).Format(date)
}

// Clock writes the time of day of t in loc ("14:05"; "14.05" in Danish and
// Finnish).
func (l *Localizer) Clock(t time.Time, loc *time.Location) string {
	_, clock := layouts(l.Lang)
	return t.In(loc).Format(clock)
}

// DateTime writes the date and time of t in loc, followed by the name of
// the zone ("02.12.2026 14:05 UTC"), so that a reader never has to guess
// which clock it is.
func (l *Localizer) DateTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return l.Date(t, loc) + " " + l.Clock(t, loc) + " " + zoneName(t)
}

// zoneName is the abbreviation of t's zone where it has one ("UTC",
// "CET", "EEST"), else its offset ("+03").
func zoneName(t time.Time) string {
	name, _ := t.Zone()
	if name == "" {
		return t.Format("-07:00")
	}
	return name
}

// zones are the usual time zone of each language's readers: the capital of
// the Member State where most of them live (Brussels for English, the
// Union's seat, as English is read across the Union).
var zones = map[string]string{
	"bg": "Europe/Sofia", "cs": "Europe/Prague", "da": "Europe/Copenhagen", "de": "Europe/Berlin",
	"el": "Europe/Athens", "en": "Europe/Brussels", "es": "Europe/Madrid", "et": "Europe/Tallinn",
	"fi": "Europe/Helsinki", "fr": "Europe/Paris", "ga": "Europe/Dublin", "hr": "Europe/Zagreb",
	"hu": "Europe/Budapest", "it": "Europe/Rome", "lt": "Europe/Vilnius", "lv": "Europe/Riga",
	"mt": "Europe/Malta", "nl": "Europe/Amsterdam", "pl": "Europe/Warsaw", "pt": "Europe/Lisbon",
	"ro": "Europe/Bucharest", "sk": "Europe/Bratislava", "sl": "Europe/Ljubljana", "sv": "Europe/Stockholm",
}

// Zone returns the usual time zone of the readers of language tag, for
// times shown when the reader's own zone is not known (e-mails, pages
// before the browser said its zone). Times are always shown with their
// zone's name. Unknown tags and a missing zone database give UTC.
func Zone(tag string) *time.Location {
	if loc, ok := loadedZones()[tag]; ok {
		return loc
	}
	return time.UTC
}

// loadedZones loads the zones once.
var loadedZones = sync.OnceValue(func() map[string]*time.Location {
	out := map[string]*time.Location{}
	for tag, name := range zones {
		if loc, err := time.LoadLocation(name); err == nil {
			out[tag] = loc
		}
	}
	return out
})

// Time writes t in the usual zone of the localizer's language, with the
// zone's name: "02/03/2026 10:15 CET".
func (l *Localizer) Time(t time.Time) string { return l.DateTime(t, Zone(l.Lang)) }
