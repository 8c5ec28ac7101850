package idp

import (
	"bytes"
	"net/http"
	"time"

	"eulogin/internal/regulation"
)

// paceMin and paceMax bound the time an answer of a paced form takes.
const (
	paceMin = 20 * time.Millisecond
	paceMax = 500 * time.Millisecond
)

// paced serves h with its answer held back until the request has lasted
// the pace of its kind (regulation.Pacer): registration, lost password,
// renewing a link and the three login steps answer in the same time for
// known and unknown addresses. The answer is written to a buffer first, so that no
// byte of it leaves early and the time to the first byte tells nothing
// either. A failure h returns is answered into the buffer too, so that it
// keeps the same pace.
func (s *Server) paced(h handler) http.Handler {
	p := &regulation.Pacer{Min: paceMin, Max: paceMax}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
		if err := h(b, r); err != nil {
			s.answerError(b, r, err)
		}
		p.Pace(r.Context(), start)
		for k, v := range b.header {
			w.Header()[k] = v
		}
		w.WriteHeader(b.status)
		w.Write(b.body.Bytes())
	})
}

// bufferedWriter keeps a whole answer.
type bufferedWriter struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
