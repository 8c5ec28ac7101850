package authenticator

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // screenshots may be JPEG
	_ "image/png"  // the login pages serve PNG
	"io"
	"os"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// DecodeQR returns the text of the QR code in a PNG or JPEG image, such as a
// screenshot of the login page.
func DecodeQR(r io.Reader) (string, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return "", fmt.Errorf("authenticator: read image: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("authenticator: read image: %w", err)
	}
	// The finder-pattern search sometimes misses a perfectly clean code
	// (the page's own PNG); reading it as a pure barcode then succeeds.
	var first error
	for _, hints := range []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		nil,
	} {
		res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText(), nil
		}
		if first == nil {
			first = err
		}
	}
	return "", fmt.Errorf("authenticator: no QR code found in the image: %w", first)
}

// ReadPayload turns a command-line argument into a QR payload: an
// "eulogin-app://" URI as is, otherwise the path of an image holding the QR
// code.
func ReadPayload(arg string) (string, error) {
	if strings.HasPrefix(strings.TrimSpace(arg), "eulogin-app://") {
		return strings.TrimSpace(arg), nil
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return "", fmt.Errorf("authenticator: %w", err)
	}
	return DecodeQR(bytes.NewReader(b))
}
