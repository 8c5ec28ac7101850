package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The illustrated guide: with EULOGIN_UPDATE_GUIDE=1, TestGuideInFourLanguages
// writes a screenshot of each step to docs/guide/img/<lang>/NN-step.png and
// the guide itself to docs/guide/<lang>.md, in that language, from the step
// titles and texts below. The %s in a text are the labels the person
// selects, taken from the catalogues at the time of the screenshot.

// guideDir is docs/guide from this package.
var guideDir = filepath.Join("..", "..", "docs", "guide")

// guideText is one step of the guide: a short title and what to do.
type guideText struct{ title, text string }

// guideBook is the guide in one language.
type guideBook struct {
	title, intro string
	sections     map[string]string // section heading before the step id
	steps        map[string]guideText
	outro        string
	device       string // the name given to the phone with the app
}

var guideBooks = map[string]guideBook{
	"en": {
		title: "ECI organiser account: create and set up your EU Login account",
		intro: "To start a European citizens' initiative you need an EU Login account, created with your personal e-mail address, and your mobile phone linked to it: the organiser account uses two-factor authentication (after your password, a code sent by SMS to your phone). This guide shows every screen, as you will see it.",
		sections: map[string]string{
			"portal":     "1. Create your EU Login account",
			"account":    "2. Link your mobile phone number",
			"method":     "3. Log in to the organiser account",
			"devices":    "4. Initialise the EU Login Mobile App",
			"method_app": "5. Log in with the EU Login Mobile App",
		},
		steps: map[string]guideText{
			"portal":       {"Open the organiser account", "On the portal of the European Citizens' Initiative, select the button “%s”."},
			"login":        {"Go to EU Login", "You are now on the EU Login page. If you already have an account, go to part 2. Otherwise select “%s”."},
			"register":     {"Fill in the form", "Fill in all the fields with your personal e-mail address, tick the box about the privacy statement and select “%s”."},
			"sent":         {"Check your e-mail", "EU Login sends you an e-mail. The link in it is valid for 24 hours."},
			"mail":         {"Open the link in the e-mail", "Open the e-mail “%s” and select the link in it."},
			"password":     {"Create your password", "Type your new password twice, following the rules shown, and select “%s”."},
			"saved":        {"Your password is saved", "Select “%s” and log in with your e-mail address and your new password."},
			"account":      {"Open My Account", "In My Account, select “%s”."},
			"phone":        {"Enter your mobile phone number", "Select “%s”, type your number starting with + and the country code, and select “%s”."},
			"phone_code":   {"Type the code from the SMS", "You receive a code by SMS. Type it and select “%s”."},
			"phones":       {"Your number is linked", "Your number is now in your account. Log out: in My Account, select “%s”."},
			"method":       {"Choose Mobile phone + SMS", "On the portal, select “%s” again and enter your e-mail address. Choose “%s” and select “%s”."},
			"login_pw":     {"Enter your password", "Type your password and select “%s”."},
			"choose":       {"Choose your number", "Choose the number that receives the code and select “%s”."},
			"sms_code":     {"Type the code", "Type the code from the SMS and select “%s”."},
			"dashboard":    {"You are in your organiser account", "You are back on the portal, in your organiser account. From now on, log in with “%s”."},
			"devices":      {"Add your mobile device", "The app lets you log in faster, by a notification or by scanning a QR code. Install the EU Login Mobile App on your phone: open the address of EU Login followed by /app/ in the phone's browser and add the app to the home screen. In the organiser account, open My Account in EU Login, select “%s”, then “%s”."},
			"device_add":   {"Name the device and choose a PIN", "Give your device a name, choose the PIN you will enter in the app, type it twice and select “%s”."},
			"device_scan":  {"Scan the QR code with the app", "Open the app and scan the QR code, then enter your PIN in the app. The page moves on by itself."},
			"device_added": {"Your device is added", "You can now log in with the EU Login Mobile App."},
			"method_app":   {"Choose the app", "After your e-mail address, choose “%s” (a notification on your phone) or “%s” (works without network on the phone), select Next and type your password."},
			"push":         {"Approve on your phone", "The app asks you to choose a number: choose the one shown on the page, then enter your PIN. The page moves on by itself to the organiser account."},
			"qr":           {"Or scan the QR code", "With the QR code method, scan the code with the app, type the code the app shows and select “%s”."},
		},
		outro:  "To manage your EU Login account later (name, e-mail address, password, mobile phone numbers), open My Account in EU Login.",
		device: "My phone",
	},
	"fr": {
		title: "Compte d'organisateur ICE : créer et configurer votre compte EU Login",
		intro: "Pour lancer une initiative citoyenne européenne, il vous faut un compte EU Login, créé avec votre adresse électronique personnelle, auquel vous associez votre téléphone mobile : le compte d'organisateur utilise une authentification à deux facteurs (après votre mot de passe, un code envoyé par SMS sur votre téléphone). Ce guide montre chaque écran tel que vous le verrez.",
		sections: map[string]string{
			"portal":     "1. Créer votre compte EU Login",
			"account":    "2. Associer votre numéro de téléphone mobile",
			"method":     "3. Vous connecter au compte d'organisateur",
			"devices":    "4. Initialiser l'application mobile EU Login",
			"method_app": "5. Vous connecter avec l'application mobile EU Login",
		},
		steps: map[string]guideText{
			"portal":       {"Ouvrir le compte d'organisateur", "Sur le portail de l'initiative citoyenne européenne, sélectionnez le bouton « %s »."},
			"login":        {"Aller sur EU Login", "Vous êtes sur la page d'EU Login. Si vous avez déjà un compte, passez à la partie 2. Sinon, sélectionnez « %s »."},
			"register":     {"Remplir le formulaire", "Remplissez tous les champs avec votre adresse électronique personnelle, cochez la case relative à la déclaration de confidentialité et sélectionnez « %s »."},
			"sent":         {"Consulter votre messagerie", "EU Login vous envoie un courriel. Le lien qu'il contient est valable 24 heures."},
			"mail":         {"Ouvrir le lien du courriel", "Ouvrez le courriel « %s » et sélectionnez le lien qu'il contient."},
			"password":     {"Créer votre mot de passe", "Tapez deux fois votre nouveau mot de passe en suivant les règles indiquées et sélectionnez « %s »."},
			"saved":        {"Votre mot de passe est enregistré", "Sélectionnez « %s » et connectez-vous avec votre adresse électronique et votre nouveau mot de passe."},
			"account":      {"Ouvrir Mon compte", "Dans Mon compte, sélectionnez « %s »."},
			"phone":        {"Saisir votre numéro de téléphone mobile", "Sélectionnez « %s », tapez votre numéro en commençant par + et l'indicatif du pays, puis sélectionnez « %s »."},
			"phone_code":   {"Taper le code reçu par SMS", "Vous recevez un code par SMS. Tapez-le et sélectionnez « %s »."},
			"phones":       {"Votre numéro est associé", "Votre numéro figure maintenant dans votre compte. Déconnectez-vous : dans Mon compte, sélectionnez « %s »."},
			"method":       {"Choisir « Téléphone portable + SMS »", "Sur le portail, sélectionnez de nouveau « %s » et saisissez votre adresse électronique. Choisissez « %s » et sélectionnez « %s »."},
			"login_pw":     {"Saisir votre mot de passe", "Tapez votre mot de passe et sélectionnez « %s »."},
			"choose":       {"Choisir votre numéro", "Choisissez le numéro qui recevra le code et sélectionnez « %s »."},
			"sms_code":     {"Taper le code", "Tapez le code reçu par SMS et sélectionnez « %s »."},
			"dashboard":    {"Vous êtes dans votre compte d'organisateur", "Vous êtes de retour sur le portail, dans votre compte d'organisateur. Désormais, connectez-vous avec « %s »."},
			"devices":      {"Ajouter votre appareil mobile", "L'application vous permet de vous connecter plus vite, par une notification ou en scannant un code QR. Installez l'application mobile EU Login sur votre téléphone : ouvrez dans son navigateur l'adresse d'EU Login suivie de /app/ et ajoutez l'application à l'écran d'accueil. Depuis le compte d'organisateur, ouvrez Mon compte dans EU Login, sélectionnez « %s », puis « %s »."},
			"device_add":   {"Nommer l'appareil et choisir un code PIN", "Donnez un nom à votre appareil, choisissez le code PIN que vous saisirez dans l'application, tapez-le deux fois et sélectionnez « %s »."},
			"device_scan":  {"Scanner le code QR avec l'application", "Ouvrez l'application et scannez le code QR, puis saisissez votre code PIN dans l'application. La page continue d'elle-même."},
			"device_added": {"Votre appareil est ajouté", "Vous pouvez maintenant vous connecter avec l'application mobile EU Login."},
			"method_app":   {"Choisir l'application", "Après votre adresse électronique, choisissez « %s » (une notification sur votre téléphone) ou « %s » (fonctionne sans réseau sur le téléphone), continuez et tapez votre mot de passe."},
			"push":         {"Approuver sur votre téléphone", "L'application vous demande de choisir un nombre : choisissez celui affiché sur la page, puis saisissez votre code PIN. La page continue d'elle-même vers le compte d'organisateur."},
			"qr":           {"Ou scanner le code QR", "Avec la méthode du code QR, scannez le code avec l'application, tapez le code qu'elle affiche et sélectionnez « %s »."},
		},
		outro:  "Pour gérer plus tard votre compte EU Login (nom, adresse électronique, mot de passe, numéros de téléphone mobile), ouvrez Mon compte dans EU Login.",
		device: "Mon téléphone",
	},
	"ro": {
		title: "Contul de organizator ICE: crearea și configurarea contului dumneavoastră EU Login",
		intro: "Pentru a lansa o inițiativă cetățenească europeană aveți nevoie de un cont EU Login, creat cu adresa dumneavoastră de e-mail personală, și de telefonul mobil asociat cu acesta: contul de organizator folosește autentificarea cu doi factori (după parolă, un cod trimis prin SMS pe telefon). Acest ghid arată fiecare ecran așa cum îl veți vedea.",
		sections: map[string]string{
			"portal":     "1. Crearea contului EU Login",
			"account":    "2. Asocierea numărului de telefon mobil",
			"method":     "3. Autentificarea în contul de organizator",
			"devices":    "4. Inițializarea aplicației mobile EU Login",
			"method_app": "5. Autentificarea cu aplicația mobilă EU Login",
		},
		steps: map[string]guideText{
			"portal":       {"Deschideți contul de organizator", "Pe portalul inițiativei cetățenești europene, selectați butonul „%s”."},
			"login":        {"Mergeți la EU Login", "Acum sunteți pe pagina EU Login. Dacă aveți deja un cont, treceți la partea 2. Altfel, selectați „%s”."},
			"register":     {"Completați formularul", "Completați toate câmpurile cu adresa dumneavoastră de e-mail personală, bifați căsuța privind declarația de confidențialitate și selectați „%s”."},
			"sent":         {"Verificați e-mailul", "EU Login vă trimite un e-mail. Linkul din acesta este valabil 24 de ore."},
			"mail":         {"Deschideți linkul din e-mail", "Deschideți e-mailul „%s” și selectați linkul din el."},
			"password":     {"Creați parola", "Tastați de două ori noua parolă, respectând regulile afișate, și selectați „%s”."},
			"saved":        {"Parola a fost salvată", "Selectați „%s” și autentificați-vă cu adresa de e-mail și noua parolă."},
			"account":      {"Deschideți Contul meu", "În Contul meu, selectați „%s”."},
			"phone":        {"Introduceți numărul de telefon mobil", "Selectați „%s”, tastați numărul începând cu + și prefixul țării, apoi selectați „%s”."},
			"phone_code":   {"Tastați codul din SMS", "Primiți un cod prin SMS. Tastați-l și selectați „%s”."},
			"phones":       {"Numărul este asociat", "Numărul se află acum în contul dumneavoastră. Deconectați-vă: în Contul meu, selectați „%s”."},
			"method":       {"Alegeți Telefon mobil + SMS", "Pe portal, selectați din nou „%s” și introduceți adresa de e-mail. Alegeți „%s” și selectați „%s”."},
			"login_pw":     {"Introduceți parola", "Tastați parola și selectați „%s”."},
			"choose":       {"Alegeți numărul", "Alegeți numărul care primește codul și selectați „%s”."},
			"sms_code":     {"Tastați codul", "Tastați codul din SMS și selectați „%s”."},
			"dashboard":    {"Sunteți în contul de organizator", "V-ați întors pe portal, în contul dumneavoastră de organizator. De acum înainte, autentificați-vă cu „%s”."},
			"devices":      {"Adăugați dispozitivul mobil", "Aplicația vă permite să vă autentificați mai repede, printr-o notificare sau scanând un cod QR. Instalați aplicația mobilă EU Login pe telefon: deschideți în browserul telefonului adresa EU Login urmată de /app/ și adăugați aplicația pe ecranul de pornire. Din contul de organizator, deschideți Contul meu în EU Login, selectați „%s”, apoi „%s”."},
			"device_add":   {"Denumiți dispozitivul și alegeți un PIN", "Dați un nume dispozitivului, alegeți codul PIN pe care îl veți introduce în aplicație, tastați-l de două ori și selectați „%s”."},
			"device_scan":  {"Scanați codul QR cu aplicația", "Deschideți aplicația și scanați codul QR, apoi introduceți codul PIN în aplicație. Pagina continuă singură."},
			"device_added": {"Dispozitivul a fost adăugat", "Acum vă puteți autentifica cu aplicația mobilă EU Login."},
			"method_app":   {"Alegeți aplicația", "După adresa de e-mail, alegeți „%s” (o notificare pe telefon) sau „%s” (funcționează fără rețea pe telefon), continuați și tastați parola."},
			"push":         {"Aprobați pe telefon", "Aplicația vă cere să alegeți un număr: alegeți-l pe cel afișat pe pagină, apoi introduceți codul PIN. Pagina continuă singură spre contul de organizator."},
			"qr":           {"Sau scanați codul QR", "Cu metoda codului QR, scanați codul cu aplicația, tastați codul afișat de aplicație și selectați „%s”."},
		},
		outro:  "Pentru a vă gestiona ulterior contul EU Login (nume, adresă de e-mail, parolă, numere de telefon mobil), deschideți Contul meu în EU Login.",
		device: "Telefonul meu",
	},
	"lv": {
		title: "EPI organizatora konts: kā izveidot un konfigurēt “EU Login” kontu",
		intro: "Lai sāktu Eiropas pilsoņu iniciatīvu, jums vajag “EU Login” kontu, kas izveidots ar jūsu personīgo e-pasta adresi, un tam piesaistītu mobilo tālruni: organizatora konts izmanto divfaktoru autentifikāciju (pēc paroles – kods, ko nosūta īsziņā uz jūsu tālruni). Šajā pamācībā parādīts katrs ekrāns tā, kā jūs to redzēsiet.",
		sections: map[string]string{
			"portal":     "1. “EU Login” konta izveide",
			"account":    "2. Mobilā tālruņa numura piesaiste",
			"method":     "3. Pieteikšanās organizatora kontā",
			"devices":    "4. “EU Login” mobilās lietotnes inicializēšana",
			"method_app": "5. Pieteikšanās ar “EU Login” mobilo lietotni",
		},
		steps: map[string]guideText{
			"portal":       {"Atveriet organizatora kontu", "Eiropas pilsoņu iniciatīvas portālā noklikšķiniet uz pogas “%s”."},
			"login":        {"Dodieties uz “EU Login”", "Jūs esat “EU Login” lapā. Ja jums jau ir konts, turpiniet ar 2. punktu. Citādi noklikšķiniet uz “%s”."},
			"register":     {"Aizpildiet veidlapu", "Aizpildiet visus laukus ar savu personīgo e-pasta adresi, atzīmējiet privātuma paziņojuma rūtiņu un noklikšķiniet uz “%s”."},
			"sent":         {"Pārbaudiet e-pastu", "“EU Login” jums nosūta e-pasta vēstuli. Tajā esošā saite ir derīga 24 stundas."},
			"mail":         {"Atveriet saiti e-pasta vēstulē", "Atveriet vēstuli “%s” un noklikšķiniet uz tajā esošās saites."},
			"password":     {"Izveidojiet paroli", "Divreiz ierakstiet jauno paroli, ievērojot parādītos noteikumus, un noklikšķiniet uz “%s”."},
			"saved":        {"Parole ir saglabāta", "Noklikšķiniet uz “%s” un piesakieties ar savu e-pasta adresi un jauno paroli."},
			"account":      {"Atveriet “Mans konts”", "Sadaļā “Mans konts” noklikšķiniet uz “%s”."},
			"phone":        {"Ievadiet mobilā tālruņa numuru", "Noklikšķiniet uz “%s”, ierakstiet numuru, sākot ar + un valsts kodu, un noklikšķiniet uz “%s”."},
			"phone_code":   {"Ierakstiet kodu no īsziņas", "Jūs saņemat kodu īsziņā. Ierakstiet to un noklikšķiniet uz “%s”."},
			"phones":       {"Numurs ir piesaistīts", "Numurs tagad ir jūsu kontā. Izrakstieties: sadaļā “Mans konts” noklikšķiniet uz “%s”."},
			"method":       {"Izvēlieties “Mobilais tālrunis + SMS”", "Portālā vēlreiz noklikšķiniet uz “%s” un ievadiet e-pasta adresi. Izvēlieties “%s” un noklikšķiniet uz “%s”."},
			"login_pw":     {"Ievadiet paroli", "Ierakstiet paroli un noklikšķiniet uz “%s”."},
			"choose":       {"Izvēlieties numuru", "Izvēlieties numuru, uz kuru nosūtīt kodu, un noklikšķiniet uz “%s”."},
			"sms_code":     {"Ierakstiet kodu", "Ierakstiet kodu no īsziņas un noklikšķiniet uz “%s”."},
			"dashboard":    {"Jūs esat savā organizatora kontā", "Jūs esat atpakaļ portālā, savā organizatora kontā. Turpmāk piesakieties ar “%s”."},
			"devices":      {"Pievienojiet mobilo ierīci", "Ar lietotni varat pieteikties ātrāk – ar paziņojumu vai skenējot kvadrātkodu. Uzstādiet tālrunī “EU Login” mobilo lietotni: tālruņa pārlūkā atveriet “EU Login” adresi ar /app/ beigās un pievienojiet lietotni sākuma ekrānam. Organizatora kontā atveriet “EU Login” sadaļu “Mans konts”, noklikšķiniet uz “%s” un pēc tam uz “%s”."},
			"device_add":   {"Nosauciet ierīci un izvēlieties PIN", "Piešķiriet ierīcei nosaukumu, izvēlieties PIN, ko ievadīsiet lietotnē, ierakstiet to divreiz un noklikšķiniet uz “%s”."},
			"device_scan":  {"Skenējiet kvadrātkodu ar lietotni", "Atveriet lietotni un noskenējiet kvadrātkodu, tad ievadiet PIN lietotnē. Lapa turpinās pati."},
			"device_added": {"Ierīce ir pievienota", "Tagad varat pieteikties ar “EU Login” mobilo lietotni."},
			"method_app":   {"Izvēlieties lietotni", "Pēc e-pasta adreses izvēlieties “%s” (paziņojums tālrunī) vai “%s” (darbojas bez tīkla tālrunī), turpiniet un ierakstiet paroli."},
			"push":         {"Apstipriniet tālrunī", "Lietotne lūdz izvēlēties skaitli: izvēlieties to, kas redzams lapā, un ievadiet PIN. Lapa pati turpinās uz organizatora kontu."},
			"qr":           {"Vai skenējiet kvadrātkodu", "Ar kvadrātkoda metodi noskenējiet kodu ar lietotni, ierakstiet lietotnes parādīto kodu un noklikšķiniet uz “%s”."},
		},
		outro:  "Lai vēlāk pārvaldītu savu “EU Login” kontu (vārdu, e-pasta adresi, paroli, mobilā tālruņa numurus), atveriet “EU Login” sadaļu “Mans konts”.",
		device: "Mans tālrunis",
	},
}

// guide collects the screenshots of one language's run.
type guide struct {
	t     *testing.T
	lang  string
	book  guideBook
	shots []guideShot
}

type guideShot struct {
	id   string
	png  []byte
	args []any
}

// newGuide returns the guide writer of lang, or nil unless
// EULOGIN_UPDATE_GUIDE=1; the guide is written when the test passes.
func newGuide(t *testing.T, lang string) *guide {
	t.Helper()
	book, ok := guideBooks[lang]
	if !ok {
		t.Fatalf("no guide text in %q", lang)
	}
	if os.Getenv("EULOGIN_UPDATE_GUIDE") != "1" {
		return nil
	}
	g := &guide{t: t, lang: lang, book: book}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the guide in %s is not written: the test failed", lang)
			return
		}
		if err := g.write(); err != nil {
			t.Errorf("write the guide: %v", err)
		}
	})
	return g
}

func (g *guide) add(id string, png []byte, args []any) error {
	if _, ok := g.book.steps[id]; !ok {
		return fmt.Errorf("the guide in %s has no step %q", g.lang, id)
	}
	g.shots = append(g.shots, guideShot{id: id, png: png, args: args})
	return nil
}

// write replaces docs/guide/img/<lang>/ and docs/guide/<lang>.md.
func (g *guide) write() error {
	img := filepath.Join(guideDir, "img", g.lang)
	if err := os.RemoveAll(img); err != nil {
		return err
	}
	if err := os.MkdirAll(img, 0o755); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "<!-- Generated by internal/e2e (EULOGIN_UPDATE_GUIDE=1 go test ./internal/e2e/ -run TestGuideInFourLanguages). Do not edit. -->\n\n")
	fmt.Fprintf(&md, "# %s\n\n%s\n", g.book.title, g.book.intro)
	for i, s := range g.shots {
		name := fmt.Sprintf("%02d-%s.png", i+1, strings.ReplaceAll(s.id, "_", "-"))
		if err := os.WriteFile(filepath.Join(img, name), s.png, 0o644); err != nil {
			return err
		}
		if h, ok := g.book.sections[s.id]; ok {
			fmt.Fprintf(&md, "\n## %s\n", h)
		}
		st := g.book.steps[s.id]
		fmt.Fprintf(&md, "\n### %s\n\n%s\n\n![%s](img/%s/%s)\n", st.title, fmt.Sprintf(st.text, s.args...), st.title, g.lang, name)
	}
	fmt.Fprintf(&md, "\n%s\n", g.book.outro)
	return os.WriteFile(filepath.Join(guideDir, g.lang+".md"), []byte(md.String()), 0o644)
}
