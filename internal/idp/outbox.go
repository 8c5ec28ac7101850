package idp

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"eulogin/internal/store"
)

// outboxSegment is a piece of a message body: plain text or a link.
type outboxSegment struct {
	Text string
	Link bool
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// segments splits text into plain and link pieces so the template can make
// links clickable without ever marking text as safe HTML.
func segments(text string) []outboxSegment {
	var out []outboxSegment
	last := 0
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		if m[0] > last {
			out = append(out, outboxSegment{Text: text[last:m[0]]})
		}
		out = append(out, outboxSegment{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, outboxSegment{Text: text[last:]})
	}
	return out
}

// outbox lists the messages of the dev outbox, newest first.
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) error {
	items, err := s.db.Outbox(r.Context(), 200)
	if err != nil {
		return err
	}
	p := s.page(r, "outbox.title")
	p.Data = items
	s.render.Render(w, http.StatusOK, "outbox", p)
	return nil
}

// outboxLoad returns the message {id} of the outbox.
func (s *Server) outboxLoad(r *http.Request) (*store.OutboxItem, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	m, err := s.db.OutboxItemByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// outboxItem shows one message with its links clickable.
func (s *Server) outboxItem(w http.ResponseWriter, r *http.Request) error {
	m, err := s.outboxLoad(r)
	if err != nil {
		return err
	}
	p := s.page(r, "outbox.item_title")
	p.Data = map[string]any{"Item": m, "Body": segments(m.Text)}
	s.render.Render(w, http.StatusOK, "outbox_item", p)
	return nil
}

// outboxHTML serves the HTML version of an e-mail in a sandbox: its own
// strict policy, no scripts, no same-origin access.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) error {
	m, err := s.outboxLoad(r)
	if err != nil {
		return err
	}
	if m.HTML == "" {
		return errNotFound
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(m.HTML))
	return nil
}
