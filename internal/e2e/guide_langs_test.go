package e2e_test

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"eulogin/internal/mobileapp/authenticator"
)

// person is the organiser of one language's run.
type person struct {
	first, last, email, password string
	typed, prefix, last2         string // the number as typed, its country code, its last two digits
}

var people = map[string]person{
	"en": {"Ana-Maria", "Ionescu", "ana.ionescu@example.org", "Ghiocel de martie 42", "+49 1512 3456789", "+49", "89"},
	"fr": {"Élodie", "Lefèvre", "elodie.lefevre@example.org", "Jonquille de Mars 73", "+33 6 12 34 56 78", "+33", "78"},
	"ro": {"Ștefan", "Popescu-Vodă", "stefan.popescu@example.org", "Mărțișor pe zăpadă 58", "+40 712 345 678", "+40", "78"},
	"lv": {"Līga", "Bērziņa", "liga.berzina@example.org", "Sniegpulkstenīte 2026 Rīgā", "+371 2000 0012", "+371", "12"},
}

// smsCodeRE is an SMS code as the SMS writes it.
var smsCodeRE = regexp.MustCompile(`\b[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}\b`)

// TestGuideInFourLanguages follows the guide in Chromium in English, French,
// Romanian and Latvian, each with its own system and browser: the ECI
// portal's Organiser account → Create an account → the e-mail in the dev
// outbox → the password → My Account → a mobile phone number with the code
// from the SMS → log out → the portal again, logging in with "Mobile phone
// + SMS" → the organiser dashboard. Every step finds what it selects by its
// visible text in that language, read from the catalogues. Every page is
// checked with axe-core (WCAG 2.1 A and AA), for console errors and CSP
// reports; the registration and login pages also at a phone's width.
// With EULOGIN_UPDATE_GUIDE=1 the run writes docs/guide/<lang>.md.
func TestGuideInFourLanguages(t *testing.T) {
	for _, lang := range []string{"en", "fr", "ro", "lv"} {
		if !guideLanguages[lang] {
			t.Fatalf("%s is not in guideLanguages: TestEveryLanguage would skip it", lang)
		}
		t.Run(lang, func(t *testing.T) {
			start := time.Now()
			followGuide(t, lang)
			t.Logf("%s: %s", lang, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

func followGuide(t *testing.T, lang string) {
	s := startSystem(t)
	ctx := newBrowser(t, lang)
	c := watch(t, ctx, lang, newGuide(t, lang))
	l := texts{t, lang}
	p := people[lang]
	subject := l.tr("mail.register.subject")

	run(t, ctx, "portal → Organiser account → EU Login",
		chromedp.Navigate(s.Portal+"/?lang="+lang),
		heading(l.portal("landing.title")),
		c.page(),
		c.shot("portal", l.portal("landing.button")),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		c.page(),
		c.phoneSize(),
		c.shot("login", l.tr("login.create")),
	)
	var url string
	run(t, ctx, "the login page is EU Login's", chromedp.Location(&url))
	if !strings.HasPrefix(url, s.IdP+"/login?") || !strings.Contains(url, "service=") {
		t.Fatalf("Organiser account led to %s, want the IdP's CAS login", url)
	}

	run(t, ctx, "create an account",
		press(l.tr("login.create")),
		heading(l.tr("register.title")),
		c.page(),
		c.phoneSize(),
		fill(l.tr("register.first_name"), p.first),
		fill(l.tr("register.last_name"), p.last),
		fill(l.tr("register.email"), p.email),
		fill(l.tr("register.email_confirm"), p.email),
		chromedp.WaitVisible(`[data-botcheck-status][data-state="done"]`, chromedp.ByQuery),
		tick(l.tr("register.privacy_label")),
		c.shot("register", l.tr("register.submit")),
		press(l.tr("register.submit")),
		heading(l.tr("register_sent.title")),
		c.page(),
		c.shot("sent"),
	)

	run(t, ctx, "read the e-mail in the dev outbox and follow the link",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		heading(l.tr("outbox.title")),
		c.page(),
		press(subject),
		heading(subject),
		c.page(),
		c.shot("mail", subject),
		chromedp.Click(`//div[@class="pre"]//a[contains(., "/password/new/")]`, chromedp.BySearch),
		heading(l.tr("link_password.title")),
		c.page(),
		c.phoneSize(),
		fill(l.tr("link_password.password"), p.password),
		fill(l.tr("link_password.password_confirm"), p.password),
		c.shot("password", l.tr("link_password.submit")),
		press(l.tr("link_password.submit")),
		heading(l.tr("password_done.title")),
		c.page(),
		c.shot("saved", l.tr("password_done.login")),
	)

	run(t, ctx, "log in to EU Login with the password: My Account",
		press(l.tr("password_done.login")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		c.page(),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		c.page(),
		c.phoneSize(),
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
		heading(l.tr("account.title")),
		c.page(),
		c.shot("account", l.tr("account.phones_card")),
	)

	run(t, ctx, "add a mobile phone number with the code from the SMS",
		press(l.tr("account.phones_card")),
		heading(l.tr("phones.title")),
		c.page(),
		press(l.tr("phones.add")),
		heading(l.tr("phone_add.title")),
		c.page(),
		fill(l.tr("phone_add.number"), p.typed),
		c.shot("phone", l.tr("phones.add"), l.tr("phone_add.submit")),
		press(l.tr("phone_add.submit")),
		heading(l.tr("phone_code.title")),
		c.page(),
	)
	code := lastSMS(t, ctx, s)
	run(t, ctx, "type the code and Finalise",
		fill(l.tr("sms_code.label"), code),
		c.shot("phone_code", l.tr("phone_code.submit")),
		press(l.tr("phone_code.submit")),
		heading(l.tr("phones.title")),
		chromedp.WaitVisible("//*[normalize-space(.)="+xq(l.tr("phones.done.added"))+"]", chromedp.BySearch),
		c.page(),
		c.shot("phones", l.tr("account.logout")),
	)

	run(t, ctx, "log out of EU Login",
		press(l.tr("account.back")),
		heading(l.tr("account.title")),
		press(l.tr("account.logout")),
		heading(l.tr("logged_out.title")),
		c.page(),
	)

	run(t, ctx, "portal → Organiser account → log in with Mobile phone + SMS",
		chromedp.Navigate(s.Portal+"/?lang="+lang),
		heading(l.portal("landing.title")),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		tick(l.tr("method.sms")),
		c.shot("method", l.portal("landing.button"), l.tr("method.sms"), l.tr("login.next")),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password),
		c.shot("login_pw", l.tr("login_password.submit")),
		press(l.tr("login_password.submit")),
		heading(l.tr("login_sms.title")),
		c.page(),
		// The number appears masked: its country code, dots, its last two
		// digits.
		chromedp.Click("//*[@id=//label[starts-with(normalize-space(.), "+xq(p.prefix+" ")+") and substring(normalize-space(.), string-length(normalize-space(.))-1)="+xq(p.last2)+"]/@for]", chromedp.BySearch),
		c.shot("choose", l.tr("login_sms.submit")),
		press(l.tr("login_sms.submit")),
		heading(l.tr("sms_code.title")),
		c.page(),
	)
	code = lastSMS(t, ctx, s)
	name := l.portal("dashboard.welcome", "name", p.first)
	run(t, ctx, "type the code: the organiser dashboard",
		fill(l.tr("sms_code.label"), code),
		c.shot("sms_code", l.tr("sms_code.submit_login")),
		press(l.tr("sms_code.submit_login")),
		heading(name),
		c.page(),
		c.shot("dashboard", l.tr("method.sms")),
	)
	var dashboard string
	run(t, ctx, "read the dashboard", chromedp.Location(&url), chromedp.Text("main", &dashboard, chromedp.ByQuery))
	if !strings.HasPrefix(url, s.Portal+"/dashboard") || !strings.Contains(dashboard, p.email) || !strings.Contains(dashboard, l.portal("strength.password_sms")) {
		t.Errorf("dashboard at %s shows %q, want %s and %q", url, dashboard, p.email, l.portal("strength.password_sms"))
	}

	followAppGuide(t, ctx, c, l, s, p)
}

// lastSMS reads the newest SMS in the dev outbox, in a second tab of the
// browser (as a person looks at the phone), and returns its code.
func lastSMS(t *testing.T, ctx context.Context, s *system) string {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	var text string
	run(t, tab, "read the SMS in the dev outbox",
		chromedp.Navigate(s.IdP+"/dev/outbox"),
		chromedp.Text(`(//li[contains(@class, "outbox__item")][.//*[contains(@class, "badge")][normalize-space(.)="SMS"]])[1]//a`, &text, chromedp.BySearch),
	)
	code := smsCodeRE.FindString(text)
	if code == "" {
		t.Fatalf("the newest SMS %q has no code", text)
	}
	return code
}

// appPIN is the PIN of the app in the tests.
const appPIN = "2468"

// followAppGuide initialises the EU Login Mobile App from My Account (the
// reference authenticator plays the phone, enrolling with the text under
// the QR code), then logs in to the portal by push (the number shown on the
// page chosen in the app, with the PIN) and by QR code (the code the app
// derives from the text under the QR code, typed in).
func followAppGuide(t *testing.T, ctx context.Context, c *checker, l texts, s *system, p person) {
	ks, err := authenticator.LoadKeystore(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	phone := &authenticator.Authenticator{Keys: ks, HTTP: &http.Client{Timeout: 10 * time.Second}}
	device := guideBooks[l.lang].device

	var h1 string
	run(t, ctx, "dashboard → Manage my EU Login account → Manage my mobile devices → Add a mobile device",
		press(l.portal("dashboard.manage")),
		heading(l.tr("account.title")),
		c.shot("devices", l.tr("account.devices_card"), l.tr("devices.add")),
		press(l.tr("account.devices_card")),
		heading(l.tr("devices.title")),
		c.page(),
		press(l.tr("devices.add")),
		chromedp.Text("h1", &h1, chromedp.ByQuery, chromedp.NodeVisible),
	)
	if strings.TrimSpace(h1) == l.tr("login_sms.title") { // confirm it is you first
		passSMSStep(t, ctx, c, l, s, p, l.tr("login_sms.submit"))
	}
	var uri string
	run(t, ctx, "name the device, choose the PIN, see the QR code",
		heading(l.tr("device_add.title")),
		c.page(),
		fill(l.tr("device_add.name"), device),
		fill(l.tr("device_add.pin"), appPIN),
		fill(l.tr("device_add.pin_confirm"), appPIN),
		c.shot("device_add", l.tr("device_add.submit")),
		press(l.tr("device_add.submit")),
		heading(l.tr("device_scan.title")),
		c.page(),
		c.shot("device_scan"),
		chromedp.Text("figcaption.qr__text", &uri, chromedp.ByQuery),
	)
	if _, err := phone.Enrol(ctx, strings.TrimSpace(uri), device, appPIN); err != nil {
		t.Fatalf("the app enrols with %q: %v", uri, err)
	}
	run(t, ctx, "the page moves on by itself once the app has confirmed",
		heading(l.tr("device_added.title")),
		c.page(),
		c.shot("device_added"),
		chromedp.Navigate(s.IdP+"/account"),
		heading(l.tr("account.title")),
		press(l.tr("account.logout")),
		heading(l.tr("logged_out.title")),
	)

	var number string
	run(t, ctx, "portal → log in with the EU Login Mobile App PIN code",
		chromedp.Navigate(s.Portal+"/?lang="+l.lang),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		tick(l.tr("method.app_pin")),
		c.shot("method_app", l.tr("method.app_pin"), l.tr("method.app_qr")),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
		heading(l.tr("login_app.title")),
		c.page(),
		c.shot("push"),
		chromedp.Text(".app-number strong", &number, chromedp.ByQuery),
	)
	n, err := strconv.Atoi(strings.TrimSpace(number))
	if err != nil {
		t.Fatalf("the push page shows the number %q", number)
	}
	reqs, err := phone.Pending(ctx)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("the app's pending requests: %+v, %v; want one", reqs, err)
	}
	if st, err := phone.AnswerRequest(ctx, reqs[0], true, n, appPIN); err != nil || st != "approved" {
		t.Fatalf("approve in the app: %q, %v", st, err)
	}
	run(t, ctx, "the page moves on by itself: the organiser dashboard",
		heading(l.portal("dashboard.welcome", "name", p.first)),
		c.page(),
		chromedp.Navigate(s.IdP+"/account"),
		heading(l.tr("account.title")),
		press(l.tr("account.logout")),
		heading(l.tr("logged_out.title")),
	)

	var payload string
	run(t, ctx, "portal → log in with the EU Login Mobile App QR code",
		chromedp.Navigate(s.Portal+"/?lang="+l.lang),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		tick(l.tr("method.app_qr")),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
		heading(l.tr("login_app_qr.title")),
		c.page(),
		chromedp.Text("figcaption.qr__text", &payload, chromedp.ByQuery),
	)
	otp, _, err := phone.OTP(payload)
	if err != nil {
		t.Fatalf("the app reads the QR code %q: %v", payload, err)
	}
	run(t, ctx, "type the app's code: the organiser dashboard",
		fill(l.tr("login_app_qr.label"), otp),
		c.shot("qr", l.tr("login_app_qr.submit")),
		press(l.tr("login_app_qr.submit")),
		heading(l.portal("dashboard.welcome", "name", p.first)),
		c.page(),
	)
	var dashboard string
	run(t, ctx, "read the dashboard", chromedp.Text("main", &dashboard, chromedp.ByQuery))
	if !strings.Contains(dashboard, l.portal("strength.password_mobile_app")) {
		t.Errorf("the dashboard after the QR code shows %q, want %q", dashboard, l.portal("strength.password_mobile_app"))
	}
}

// passSMSStep passes the SMS step the browser is on (the choice of the
// number): the number, then the code from the outbox.
func passSMSStep(t *testing.T, ctx context.Context, c *checker, l texts, s *system, p person, submit string) {
	t.Helper()
	run(t, ctx, "confirm it is you with a code by SMS",
		heading(l.tr("login_sms.title")),
		c.page(),
		chromedp.Click("//*[@id=//label[starts-with(normalize-space(.), "+xq(p.prefix+" ")+") and substring(normalize-space(.), string-length(normalize-space(.))-1)="+xq(p.last2)+"]/@for]", chromedp.BySearch),
		press(submit),
		heading(l.tr("sms_code.title")),
	)
	code := lastSMS(t, ctx, s)
	var label string
	run(t, ctx, "the code page's button", chromedp.Text("main form button", &label, chromedp.ByQuery))
	run(t, ctx, "type the code", fill(l.tr("sms_code.label"), code), press(strings.TrimSpace(label)))
}
