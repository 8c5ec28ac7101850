package e2e_test

import (
	"strings"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// xq quotes s for an XPath string literal.
func xq(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return "concat('" + strings.ReplaceAll(s, "'", `', "'", '`) + "')"
}

// field is the form control labelled label (the label's for attribute).
func field(label string) string {
	return "//*[@id=//label[normalize-space(.)=" + xq(label) + "]/@for]"
}

// fill types value into the field labelled label. The text goes in as an
// input method would insert it (Input.insertText): chromedp's key events
// know only the letters of its key table and silently drop others (č, ć, Ď
// never reached the page), which a person's keyboard does not.
func fill(label, value string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(field(label), chromedp.BySearch),
		chromedp.Clear(field(label), chromedp.BySearch),
		chromedp.Focus(field(label), chromedp.BySearch),
		input.InsertText(value),
	}
}

// tick clicks the checkbox or radio button labelled label.
func tick(label string) chromedp.Action {
	return chromedp.Click(field(label), chromedp.BySearch)
}

// press clicks the button, or the link styled as one, whose text is text.
func press(text string) chromedp.Action {
	return chromedp.Click("//*[self::button or self::a][normalize-space(.)="+xq(text)+"]", chromedp.BySearch)
}

// heading waits until the page's h1 reads text.
func heading(text string) chromedp.Action {
	return chromedp.WaitVisible("//h1[normalize-space(.)="+xq(text)+"]", chromedp.BySearch)
}

// logOut leaves EU Login from My Account.
func logOut(l texts, s *system) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(s.IdP + "/account"),
		heading(l.tr("account.title")),
		press(l.tr("account.logout")),
		heading(l.tr("logged_out.title")),
	}
}

// portalLogin goes from the portal's Organiser account button through the
// e-mail, the method labelled method and the password, to the page that
// follows the password.
func portalLogin(l texts, s *system, p person, method string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(s.Portal + "/?lang=" + l.lang),
		press(l.portal("landing.button")),
		heading(l.tr("login.title")),
		fill(l.tr("login.email"), p.email),
		press(l.tr("login.next")),
		heading(l.tr("login_method.title")),
		tick(method),
		press(l.tr("login.next")),
		heading(l.tr("login_password.title")),
		fill(l.tr("login_password.password"), p.password),
		press(l.tr("login_password.submit")),
	}
}

// addDeviceQR goes to Add a mobile device of the signed-in account, names
// the device, chooses appPIN, and reads the text under the QR code into uri.
func addDeviceQR(l texts, s *system, name string, uri *string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.Navigate(s.IdP + "/account/devices/add"),
		heading(l.tr("device_add.title")),
		fill(l.tr("device_add.name"), name),
		fill(l.tr("device_add.pin"), appPIN),
		fill(l.tr("device_add.pin_confirm"), appPIN),
		press(l.tr("device_add.submit")),
		heading(l.tr("device_scan.title")),
		chromedp.Text("figcaption.qr__text", uri, chromedp.ByQuery),
	}
}
