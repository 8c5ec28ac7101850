package mobileapp

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"eulogin/internal/store"
	"eulogin/internal/webpush"
)

// DefaultPushHosts are the push services of the browsers people install the
// web app with: Chrome and Android (FCM), Firefox (Mozilla autopush),
// Safari and iOS (Apple), Edge (Windows Push Notification Services). A
// pattern "*.example" matches the sub-domains of example.
var DefaultPushHosts = []string{"fcm.googleapis.com", "updates.push.services.mozilla.com", "*.push.apple.com", "*.notify.windows.com"}

// VAPIDSetting is the database setting that holds the Web Push (VAPID) key.
const VAPIDSetting = "webpush.vapid_key"

// PushStore is what WebPusher needs from the database. store.DB implements
// it.
type PushStore interface {
	AppPushSubscriptions(ctx context.Context, userID, deviceID string) ([]store.AppPushSubscription, error)
	DeleteAppPushEndpoint(ctx context.Context, endpoint string) (int64, error)
	AppPushFailed(ctx context.Context, endpoint string, now time.Time) error
}

// PushPayload is the JSON a device's browser receives by Web Push: which
// request of which device is waiting, for the notification's text. It
// holds nothing that answers the request (no challenge, no number).
type PushPayload struct {
	V         int    `json:"v"`
	Type      string `json:"type"` // "request"
	DeviceID  string `json:"device_id"`
	RequestID string `json:"request_id"`
	Service   string `json:"service"`
	Expires   int64  `json:"expires"`
}

// WebPusher is the Pusher of Web Push: it encrypts PushPayload for each
// subscribed device and posts it to the device's push service, in the
// background. It posts only to https endpoints on Hosts (never to an
// address an app could choose: no server-side request forgery), follows no
// redirect, deletes the subscriptions a push service says are gone, and
// records other failures.
type WebPusher struct {
	VAPID   *webpush.VAPID
	Store   PushStore
	Hosts   []string      // allowed push service hosts; nil means DefaultPushHosts
	Client  *http.Client  // nil means one with a 10-second timeout; redirects are refused either way
	Timeout time.Duration // for the deliveries of one request; 0 means 15 seconds
	Logger  *slog.Logger  // nil discards
	Now     func() time.Time

	wg   sync.WaitGroup
	once sync.Once
	http *http.Client
}

var _ Pusher = (*WebPusher)(nil)

// LoadVAPID returns the server's VAPID key, generated at first start and
// kept in the database setting VAPIDSetting (every replica gets the one
// that won). subject is the contact for push services ("mailto:…" or
// "https://…").
func LoadVAPID(ctx context.Context, settings SettingStore, subject string) (*webpush.VAPID, error) {
	fresh, err := webpush.GenerateVAPID(subject)
	if err != nil {
		return nil, err
	}
	enc, err := fresh.MarshalPrivate()
	if err != nil {
		return nil, err
	}
	v, err := settings.SettingOrInit(ctx, VAPIDSetting, enc)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: VAPID key: %w", err)
	}
	key, err := webpush.ParseVAPID(v, subject)
	if err != nil {
		return nil, fmt.Errorf("mobileapp: setting %s: %w", VAPIDSetting, err)
	}
	return key, nil
}

// PublicKey is the VAPID public key.
func (p *WebPusher) PublicKey() string { return p.VAPID.PublicKey() }

// Check refuses a subscription whose endpoint is not on an allowed host,
// or that webpush refuses (not https, malformed keys).
func (p *WebPusher) Check(endpoint, p256dh, auth string) error {
	if err := p.allowed(endpoint); err != nil {
		return err
	}
	return webpush.Subscription{Endpoint: endpoint, P256DH: p256dh, Auth: auth}.Validate()
}

func (p *WebPusher) allowed(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.User != nil {
		return errors.New("the endpoint is not an absolute URL")
	}
	host := strings.ToLower(u.Hostname())
	hosts := p.Hosts
	if hosts == nil {
		hosts = DefaultPushHosts
	}
	for _, h := range hosts {
		h = strings.ToLower(h)
		if host == h || strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) {
			return nil // the scheme is webpush's to check, at Check and at Send
		}
	}
	return fmt.Errorf("%q is not an allowed push service", host)
}

func (p *WebPusher) client() *http.Client {
	p.once.Do(func() {
		c := http.Client{Timeout: 10 * time.Second}
		if p.Client != nil {
			c = *p.Client
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		p.http = &c
	})
	return p.http
}

func (p *WebPusher) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (p *WebPusher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Push sends r to the subscribed devices of its account in the background.
func (p *WebPusher) Push(ctx context.Context, r *store.AppRequest) {
	ctx = context.WithoutCancel(ctx)
	p.wg.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, cmp.Or(p.Timeout, 15*time.Second))
		defer cancel()
		p.deliver(ctx, r)
	})
}

// Wait waits for the deliveries under way (tests, shutdown).
func (p *WebPusher) Wait() { p.wg.Wait() }

// deliver sends r to each subscription, one after another.
func (p *WebPusher) deliver(ctx context.Context, r *store.AppRequest) {
	subs, err := p.Store.AppPushSubscriptions(ctx, r.UserID, r.DeviceID)
	if err != nil {
		p.logger().Error("web push: subscriptions", "err", err)
		return
	}
	ttl := r.ExpiresAt.Sub(p.now())
	if ttl <= 0 {
		return
	}
	snd := &webpush.Sender{VAPID: p.VAPID, Client: p.client(), TTL: ttl, Urgency: webpush.UrgencyHigh, Now: p.Now}
	for _, sub := range subs {
		if err := p.allowed(sub.Endpoint); err != nil {
			p.logger().Warn("web push: endpoint no longer allowed", "device", sub.DeviceID, "err", err)
			continue
		}
		body, err := json.Marshal(PushPayload{V: Version, Type: "request", DeviceID: sub.DeviceID, RequestID: r.ID, Service: r.Service, Expires: r.ExpiresAt.Unix()})
		if err != nil {
			p.logger().Error("web push: payload", "err", err)
			return
		}
		err = snd.Send(ctx, webpush.Subscription{Endpoint: sub.Endpoint, P256DH: sub.P256DH, Auth: sub.Auth}, body)
		switch {
		case err == nil:
		case errors.Is(err, webpush.ErrGone):
			if n, err := p.Store.DeleteAppPushEndpoint(ctx, sub.Endpoint); err != nil {
				p.logger().Error("web push: delete a gone subscription", "err", err)
			} else {
				p.logger().Info("web push: subscription gone, deleted", "device", sub.DeviceID, "subscriptions", n)
			}
		default:
			p.logger().Warn("web push: delivery failed", "device", sub.DeviceID, "err", err)
			if err := p.Store.AppPushFailed(ctx, sub.Endpoint, p.now()); err != nil {
				p.logger().Error("web push: record a failure", "err", err)
			}
		}
	}
}
