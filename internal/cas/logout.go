package cas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"eulogin/internal/store"
)

// The SAML 2.0 namespaces of the logout request.
const (
	samlProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	samlAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
)

// LogoutRequest returns the SAML LogoutRequest of single logout: NameID is
// the user id, SessionIndex the service ticket the service validated, the
// format CAS clients (gopkg.in/cas.v2 among them) parse.
func LogoutRequest(userID, serviceTicket string, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	x := newXML(&buf)
	x.enc.Indent("", "")
	x.start("samlp:LogoutRequest",
		attr("xmlns:samlp", samlProtocol), attr("xmlns:saml", samlAssertion),
		attr("ID", NewTicket("LR-")), attr("Version", "2.0"),
		attr("IssueInstant", at.UTC().Format("2006-01-02T15:04:05Z")))
	x.element("saml:NameID", userID)
	x.element("samlp:SessionIndex", serviceTicket)
	x.end("samlp:LogoutRequest")
	b, err := x.close(&buf)
	return bytes.TrimSpace(b), err
}

// Logout ends the CAS side of an SSO session: it takes (fetch-and-delete)
// the services the session entered, deletes the session's tickets
// (unvalidated service tickets and proxy-granting tickets), and sends a
// logout request to every entered service that has single logout. The
// requests go out at once, each with CallTimeout, and Logout waits for them;
// their failures are logged, never returned (the spec's "fire and forget").
// Call it before the session is deleted, so that Sweep cannot remove the
// entries first.
func (s *Server) Logout(ctx context.Context, sessionHash string) error {
	if sessionHash == "" {
		return nil
	}
	entries, err := s.Store.TakeSessionServices(ctx, sessionHash)
	if err != nil {
		return fmt.Errorf("cas: logout: %w", err)
	}
	if err := s.Store.DeleteSessionTickets(ctx, sessionHash); err != nil {
		return fmt.Errorf("cas: logout: %w", err)
	}
	slo := map[string]bool{}
	var send []store.SessionService
	for _, e := range entries {
		if e.Ticket == "" {
			continue // never validated: the service has no session to end
		}
		on, seen := slo[e.ServiceID]
		if !seen {
			svc, err := s.Service(ctx, e.ServiceID)
			if err != nil && !errors.Is(err, ErrUnknownService) {
				return fmt.Errorf("cas: logout: %w", err)
			}
			on = err == nil && svc.SLO
			slo[e.ServiceID] = on
		}
		if on {
			send = append(send, e)
		}
	}
	// The user's browser may go away: the logout requests still go out.
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, e := range send {
		wg.Go(func() {
			if err := s.sendLogout(ctx, e); err != nil {
				s.log().Warn("cas: single logout failed", "service", e.ServiceID, "err", err)
			} else {
				s.log().Debug("cas: single logout sent", "service", e.ServiceID)
			}
		})
	}
	wg.Wait()
	return nil
}

// sendLogout POSTs the logout request of one entry to its service URL.
func (s *Server) sendLogout(ctx context.Context, e store.SessionService) error {
	doc, err := LogoutRequest(e.UserID, e.Ticket, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.callTimeout())
	defer cancel()
	form := url.Values{"logoutRequest": {string(doc)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.ServiceURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	// Exactly this type, without parameters: some clients compare it as a
	// whole string.
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "eulogin CAS server")
	resp, err := s.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("service answered %d", resp.StatusCode)
	}
	return nil
}
