package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"eulogin/internal/authn/mobileapp"
	"eulogin/internal/webpush"
	"eulogin/internal/webpush/webpushtest"
)

// appTexts reads the installable app's English catalogue (plain texts).
func appTexts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, m := range catalogue(t, "../pwa/static/i18n/en.json") {
		out[k] = m.Text
	}
	return out
}

// inScreen is the form control labelled label inside the app screen
// section id (several screens have a field with the same label).
func inScreen(screen, label string) string {
	s := "//section[@id=" + xq(screen) + "]"
	return s + "//*[(self::input or self::textarea) and @id=" + s + "//label[normalize-space(.)=" + xq(label) + "]/@for]"
}

// pressIn clicks the button whose text is text inside the app screen
// section id.
func pressIn(screen, text string) chromedp.Action {
	return chromedp.Click("//section[@id="+xq(screen)+"]//button[normalize-space(.)="+xq(text)+"]", chromedp.BySearch)
}

// pushShim stands in for the browser's link to its push service, which
// cannot exist on this network: PushManager.subscribe returns the
// subscription the push-service stand-in made (its endpoint and the keys it
// decrypts with), and records the application server key the app passed.
// It also records the messages the service worker sends the page.
// Everything else — the permission, the service worker, the app's
// registration with the server, the server's encrypted delivery — is real.
func pushShim(sub webpush.Subscription) string {
	return fmt.Sprintf(`(() => {
  const endpoint = %q, p256dh = %q, auth = %q;
  let current = null;
  const make = (key) => ({
    endpoint, expirationTime: null, options: { userVisibleOnly: true, applicationServerKey: key },
    toJSON() { return { endpoint, expirationTime: null, keys: { p256dh, auth } }; },
    getKey() { return null; },
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (opts) {
    const raw = new Uint8Array(opts.applicationServerKey.buffer || opts.applicationServerKey);
    let s = ""; for (const b of raw) s += String.fromCharCode(b);
    window.euloginTestServerKey = btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    current = make(raw.buffer);
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
  window.euloginTestMessages = [];
  navigator.serviceWorker.addEventListener("message", (e) => window.euloginTestMessages.push(e.data));
})();`, sub.Endpoint, sub.P256DH, sub.Auth)
}

// TestMobileWebApp follows issue 6 in two Chromium browser contexts: the
// computer (EU Login and the ECI portal) and the phone (the installable app
// at /app/). The phone initialises from the text under the desktop's QR
// code, allows notifications, and approves a push login to the portal with
// the number and the PIN after the server's Web Push message — encrypted by
// the server, decrypted by the push-service stand-in — reaches the app's
// service worker; then, offline, it shows the one-time code of the portal
// login's QR code.
func TestMobileWebApp(t *testing.T) {
	ps := webpushtest.NewService(t)
	s := startSystem(t, "--push-hosts", "127.0.0.1")
	desk := newBrowser(t, "en")
	l := texts{t, "en"}
	a := appTexts(t)
	p := person{first: "Jānis", last: "Bērziņš", email: "janis.berzins@example.org", password: "Dzintara krasts 2026"}
	c := watch(t, desk, "en", nil)

	// The server's VAPID key: the stand-in restricts the subscription to it.
	resp, err := http.Get(s.IdP + "/app/v1/push/key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var key struct {
		VAPIDKey string `json:"vapid_key"`
	}
	if err := json.Unmarshal(body, &key); err != nil || key.VAPIDKey == "" {
		t.Fatalf("GET /app/v1/push/key = %d %q", resp.StatusCode, body)
	}
	sub := ps.Subscribe(key.VAPIDKey)

	createAccount(t, desk, c, l, s, p)
	var uri string
	run(t, desk, "My Account → Manage my mobile devices → Add a mobile device: the QR code",
		addDeviceQR(l, s, "Phone (web app)", &uri),
	)

	// The phone: a browser of its own (headless Chromium refuses tabs in a
	// second browser context), with the push shim.
	phone := newBrowser(t, "en")
	regs := make(chan serviceworker.RegistrationID, 16)
	chromedp.ListenTarget(phone, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if !r.IsDeleted && strings.HasPrefix(r.ScopeURL, s.IdP+"/app/") {
					select {
					case regs <- r.RegistrationID:
					default:
					}
				}
			}
		}
	})
	pc := watch(t, phone, "en", nil)
	run(t, phone, "open the app at /app/",
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(pushShim(sub)).Do(ctx)
			return err
		}),
		serviceworker.Enable(),
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(s.IdP+"/app/"),
		heading(a["enrol.title_first"]),
		pc.page(),
	)
	run(t, phone, "paste the code shown under the QR code, Initialise, type the PIN code",
		chromedp.SendKeys(inScreen("screen-enrol", a["enrol.code_label"]), strings.TrimSpace(uri), chromedp.BySearch),
		pressIn("screen-enrol", a["enrol.submit"]),
		heading(a["pin.title"]),
		pc.page(),
		chromedp.SendKeys(inScreen("screen-pin", a["pin.label"]), appPIN, chromedp.BySearch),
		pressIn("screen-pin", a["pin.submit"]),
		heading(a["done.title"]),
		pc.page(),
	)
	run(t, desk, "the desktop page moves on by itself", heading(l.tr("device_added.title")))

	run(t, phone, "allow notifications",
		chromedp.WaitVisible("//section[@id='screen-done']//button[normalize-space(.)="+xq(a["push.allow"])+"]", chromedp.BySearch),
		// The person accepts the browser's prompt, which headless Chromium
		// cannot show: the permission is granted before the click.
		chromedp.ActionFunc(func(ctx context.Context) error {
			return browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeNotifications}).WithOrigin(s.IdP).Do(ctx)
		}),
		pressIn("screen-done", a["push.allow"]),
		chromedp.WaitVisible("//section[@id='screen-done']//*[normalize-space(.)="+xq(a["push.on"])+"]", chromedp.BySearch),
		pressIn("screen-done", a["frame.continue"]),
		heading(a["home.title"]),
		pc.page(),
	)
	var serverKey string
	run(t, phone, "the key the app subscribed with", chromedp.Evaluate(`window.euloginTestServerKey || ""`, &serverKey))
	if serverKey != key.VAPIDKey {
		t.Errorf("the app subscribed with the key %q, want the server's %q", serverKey, key.VAPIDKey)
	}
	var regID serviceworker.RegistrationID
	select {
	case regID = <-regs:
	case <-time.After(30 * time.Second):
		t.Fatal("the app's service worker never registered")
	}

	run(t, desk, "log out; portal → Organiser account → EU Login Mobile App PIN code",
		logOut(l, s),
		portalLogin(l, s, p, l.tr("method.app_pin")),
		heading(l.tr("login_app.title")),
	)
	var number string
	run(t, desk, "the number on the computer", chromedp.Text(".app-number strong", &number, chromedp.ByQuery))
	number = strings.TrimSpace(number)

	// The server's Web Push message, as the push service received it.
	wait, cancelWait := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancelWait()
	msg, err := ps.Next(wait, sub.Endpoint)
	if err != nil {
		t.Fatalf("no Web Push message reached the push service: %v (rejections %v)", err, ps.Rejections())
	}
	var payload mobileapp.PushPayload
	if err := json.Unmarshal(msg.Payload, &payload); err != nil || payload.Type != "request" || payload.RequestID == "" {
		t.Fatalf("push payload %q: %v", msg.Payload, err)
	}
	if strings.Contains(string(msg.Payload), number) && strings.Contains(string(msg.Payload), `"number"`) {
		t.Errorf("the push payload carries the number: %s", msg.Payload)
	}

	// The push service delivers it to the phone's service worker, which
	// forwards it to the open app and shows a notification for the request.
	// In about one run in eight, headless Chromium shows no notification for
	// the first message delivered through DevTools although the worker
	// handled it (the app got it); the cause is not found, so a missing
	// notification gets one more delivery, as a push service may redeliver,
	// and is logged.
	notified := `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.length > 0 ? ns.map(n => n.tag) : null)`
	var tags []string
	run(t, phone, "the push reaches the service worker, which tells the app",
		serviceworker.DeliverPushMessage(s.IdP, regID, string(msg.Payload)),
		chromedp.Poll(`window.euloginTestMessages.some(m => m.type === "push" && m.request_id === `+strconv.Quote(payload.RequestID)+`)`, nil, chromedp.WithPollingTimeout(20*time.Second)),
	)
	if err := chromedp.Run(phone, chromedp.Poll(notified, &tags, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Logf("no notification after the first delivery (%v): delivering again", err)
		run(t, phone, "the push delivered again: a notification",
			serviceworker.DeliverPushMessage(s.IdP, regID, string(msg.Payload)),
			chromedp.Poll(notified, &tags, chromedp.WithPollingTimeout(20*time.Second)),
		)
	}
	if !slices.Contains(tags, payload.RequestID) {
		t.Errorf("notifications %q, want one tagged with the request %q", tags, payload.RequestID)
	}

	run(t, phone, "the request: pick the number, type the PIN code, Approve",
		chromedp.WaitVisible("//section[@id='screen-home']//button[normalize-space(.)="+xq(number)+"]", chromedp.BySearch),
		pc.page(),
		chromedp.Click("//section[@id='screen-home']//button[normalize-space(.)="+xq(number)+"]", chromedp.BySearch),
		chromedp.SendKeys(inScreen("screen-home", a["pin.label"]), appPIN, chromedp.BySearch),
		pressIn("screen-home", a["request.approve"]),
		chromedp.WaitVisible("//*[normalize-space(.)="+xq(a["outcome.approved"])+"]", chromedp.BySearch),
	)
	run(t, desk, "the computer continues by itself: the organiser dashboard",
		heading(l.portal("dashboard.welcome", "name", p.first)),
	)

	run(t, desk, "log out; portal → Organiser account → EU Login Mobile App QR code",
		logOut(l, s),
		portalLogin(l, s, p, l.tr("method.app_qr")),
		heading(l.tr("login_app_qr.title")),
	)
	var qr string
	run(t, desk, "the text under the QR code", chromedp.Text("figcaption.qr__text", &qr, chromedp.ByQuery))

	var otp string
	run(t, phone, "offline: Scan a QR code, paste its text, Show the code",
		network.Enable(),
		network.EmulateNetworkConditions(true, 0, 0, 0),
		pressIn("screen-home", a["home.scan"]),
		heading(a["qr.title"]),
		pc.page(),
		chromedp.SendKeys(inScreen("screen-qr", a["qr.code_label"]), strings.TrimSpace(qr), chromedp.BySearch),
		pressIn("screen-qr", a["qr.submit"]),
		chromedp.WaitVisible("#qr-otp", chromedp.ByQuery),
		chromedp.Text("#qr-otp", &otp, chromedp.ByQuery),
	)
	otp = strings.TrimSpace(otp)
	if len(otp) != 9 || otp[4] != '-' {
		t.Fatalf("the app shows %q, want a code like ABCD-EFGH", otp)
	}
	run(t, desk, "type the app's code: the organiser dashboard",
		fill(l.tr("login_app_qr.label"), otp),
		press(l.tr("login_app_qr.submit")),
		heading(l.portal("dashboard.welcome", "name", p.first)),
	)
	var dashboard string
	run(t, desk, "read the dashboard", chromedp.Text("main", &dashboard, chromedp.ByQuery))
	if !strings.Contains(dashboard, l.portal("strength.password_mobile_app")) {
		t.Errorf("the dashboard shows %q, want %q", dashboard, l.portal("strength.password_mobile_app"))
	}
	if rej := ps.Rejections(); len(rej) > 0 {
		t.Errorf("the push service refused deliveries: %v", rej)
	}
}

// createAccount registers p on the IdP, sets the password from the e-mailed
// link, and logs in to My Account.
func createAccount(t *testing.T, ctx context.Context, c *checker, l texts, s *system, p person) {
	t.Helper()
	run(t, ctx, "create an account, set the password, log in",
		chromedp.Navigate(s.IdP+"/register"),
		heading(l.tr("register.title")),
		fill(l.tr("register.first_name"), p.first),
		fill(l.tr("register.last_name"), p.last),
		fill(l.tr("register.email"), p.email),
		fill(l.tr("register.email_confirm"), p.email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick(l.tr("register.privacy_label")),
		press(l.tr("register.submit")),
		heading(l.tr("register_sent.title")),
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		press(l.tr("mail.register.subject")),
		chromedp.Click(`//div[@class="pre"]//a[contains(., "/password/new/")]`, chromedp.BySearch),
		heading(l.tr("link_password.title")),
		fill(l.tr("link_password.password"), p.password),
		fill(l.tr("link_password.password_confirm"), p.password),
		press(l.tr("link_password.submit")),
		heading(l.tr("password_done.title")),
		press(l.tr("password_done.login")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
		heading(l.tr("account.title")),
	)
}
