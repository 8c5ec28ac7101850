// Package rules holds the rules of Regulation (EU) 2019/788 on the European
// citizens' initiative that the organiser portal enforces, as pure
// functions: no database, no clock, no HTTP. Callers pass the date of the
// check.
//
// Each check returns Problems: a message key of the portal's catalogues
// ("rule.*") and its arguments, so that the same problem can be shown in
// every language, on the dashboard (what is still missing) and as a form
// error. An empty list means the rule is met.
//
// The readings of the regulation taken here (who counts toward the seven,
// which Member State's voting age applies, how characters are counted and
// what a space is, how months and working days are counted) are recorded in
// docs/adr/0009-eci-rules.md. What changes with national law or the
// Commission's calendar is data with its source: VotingAges, Limits,
// CommissionHolidays.
package rules
