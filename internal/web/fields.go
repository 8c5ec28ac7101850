package web

import (
	"strconv"
	"strings"
)

// Field is what the "input" and "select" templates render: a labelled form
// control with its hint, its error and the user's previous input.
type Field struct {
	Name, Type, Label, Hint, Err, ErrPrefix, Value string
	Autocomplete, InputMode, Width, Describe       string
	MaxLength                                      int
	Required, Autofocus                            bool
	Options                                        []Option
}

// Option is one choice of a select.
type Option struct {
	Value, Label, Lang string
}

// NewField builds a Field for page p. labelKey and hintKey are message keys
// (hintKey may be empty). opts is a comma-separated list of extras:
// "numeric", "autofocus" (unless the form has errors), "required",
// "maxlength=N", "width=N". Password fields never echo their value back.
func NewField(p *Page, name, typ, labelKey, hintKey, autocomplete string, opts ...string) *Field {
	f := &Field{
		Name: name, Type: typ, Label: p.L.T(labelKey), Autocomplete: autocomplete,
		Err: p.Form.Err(name), ErrPrefix: p.L.T("frame.error_prefix"),
	}
	if hintKey != "" {
		f.Hint = p.L.T(hintKey)
	}
	if typ != "password" {
		f.Value = p.Form.Get(name)
	}
	f.Describe = p.Form.Describe(name, f.Hint != "")
	for _, o := range strings.Split(strings.Join(opts, ","), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(o), "=")
		switch k {
		case "numeric":
			f.InputMode = "numeric"
		case "autofocus":
			// On a page with errors the error summary has the focus
			// (layout.html), so that the page has one autofocus.
			f.Autofocus = p.Form.Valid()
		case "required":
			f.Required = true
		case "maxlength":
			f.MaxLength, _ = strconv.Atoi(v)
		case "width":
			f.Width = v
		}
	}
	return f
}

// WithOptions sets the choices of a select field.
func (f *Field) WithOptions(opts []Option) *Field {
	f.Options = opts
	return f
}

// WithLabel replaces the label text (for labels with placeholders).
func (f *Field) WithLabel(label string) *Field {
	f.Label = label
	return f
}
