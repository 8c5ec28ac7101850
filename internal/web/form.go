package web

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Form carries what the user typed and the errors found in it, so a page can
// show each error next to its field and keep the input.
type Form struct {
	Values url.Values
	Errors []FieldError // in page order
}

// FieldError is the translated message for one field.
type FieldError struct {
	Field   string // the input's id/name
	Message string
}

// NewForm returns a form holding values (nil allowed).
func NewForm(values url.Values) *Form {
	if values == nil {
		values = url.Values{}
	}
	return &Form{Values: values}
}

// Get returns the trimmed value of a field. Invalid UTF-8 is reported by
// ValidUTF8, not silently repaired here.
func (f *Form) Get(field string) string { return strings.TrimSpace(f.Values.Get(field)) }

// Raw returns the value of a field untrimmed (passwords).
func (f *Form) Raw(field string) string { return f.Values.Get(field) }

// Checked reports whether a checkbox was ticked.
func (f *Form) Checked(field string) bool { return f.Values.Get(field) != "" }

// Add records an error on field (the first error of a field wins).
func (f *Form) Add(field, message string) {
	if f.Err(field) != "" {
		return
	}
	f.Errors = append(f.Errors, FieldError{Field: field, Message: message})
}

// Err returns the error of field, or "".
func (f *Form) Err(field string) string {
	for _, e := range f.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Valid reports whether no error was recorded.
func (f *Form) Valid() bool { return len(f.Errors) == 0 }

// ValidUTF8 reports whether every submitted value is valid UTF-8 without NUL
// bytes.
func (f *Form) ValidUTF8() bool {
	for _, vs := range f.Values {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				return false
			}
		}
	}
	return true
}

// DropUnreadable removes every value that ValidUTF8 refuses, so that the
// rest of the input can be shown again, and returns the field to show the
// error on: the first of fields (in page order) that lost a value, else
// fields[0]. It returns "" when every value was readable.
func (f *Form) DropUnreadable(fields ...string) string {
	bad := map[string]bool{}
	for k, vs := range f.Values {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				bad[k] = true
			}
		}
	}
	if len(bad) == 0 {
		return ""
	}
	for k := range bad {
		f.Values.Del(k)
	}
	for _, k := range fields {
		if bad[k] {
			return k
		}
	}
	if len(fields) > 0 {
		return fields[0]
	}
	return slices.Sorted(maps.Keys(bad))[0]
}

// Describe returns the aria-describedby value for a field: its hint id when
// hasHint, and its error id when it has an error.
func (f *Form) Describe(field string, hasHint bool) string {
	var ids []string
	if hasHint {
		ids = append(ids, field+"-hint")
	}
	if f.Err(field) != "" {
		ids = append(ids, field+"-error")
	}
	return strings.Join(ids, " ")
}
