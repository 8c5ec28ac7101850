//go:build ignore

// genicons draws the app's icons: the EU Login logo (twelve yellow stars on
// EU blue) as static/icons/icon-192.png and icon-512.png (a rounded square
// on a transparent background) and icon-maskable-512.png (full bleed, the
// stars inside the maskable safe zone, the central circle of 80%).
//
// Run it from this directory after changing it: go run genicons.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

var (
	blue   = color.NRGBA{0x00, 0x44, 0x94, 0xff}
	yellow = color.NRGBA{0xff, 0xd6, 0x17, 0xff}
)

// icon describes one picture in units of its side (0..1).
type icon struct {
	file      string
	size      int
	radius    float64 // corner radius of the blue square; 0 with fullBleed
	fullBleed bool
	ring      float64 // radius of the circle of stars
	star      float64 // outer radius of a star
}

func main() {
	icons := []icon{
		{file: "icon-192.png", size: 192, radius: 0.175, ring: 0.33, star: 0.062},
		{file: "icon-512.png", size: 512, radius: 0.175, ring: 0.33, star: 0.062},
		{file: "icon-maskable-512.png", size: 512, fullBleed: true, ring: 0.25, star: 0.048},
	}
	for _, ic := range icons {
		if err := write(filepath.Join("static", "icons", ic.file), draw(ic)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// draw renders the icon with 4×4 supersampling per pixel.
func draw(ic icon) *image.NRGBA {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, ic.size, ic.size))
	stars := make([][]point, 12)
	for i := range stars {
		a := float64(i) * 2 * math.Pi / 12
		stars[i] = starPolygon(0.5+ic.ring*math.Sin(a), 0.5-ic.ring*math.Cos(a), ic.star)
	}
	for y := 0; y < ic.size; y++ {
		for x := 0; x < ic.size; x++ {
			var inSquare, inStar int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					p := point{(float64(x) + (float64(sx)+0.5)/ss) / float64(ic.size), (float64(y) + (float64(sy)+0.5)/ss) / float64(ic.size)}
					if !ic.fullBleed && !inRoundedSquare(p, ic.radius) {
						continue
					}
					inSquare++
					for _, s := range stars {
						if inPolygon(p, s) {
							inStar++
							break
						}
					}
				}
			}
			if inSquare == 0 {
				continue
			}
			// Blend yellow over blue by star coverage; alpha is the square's coverage.
			f := float64(inStar) / float64(inSquare)
			mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-f) + float64(b)*f)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(blue.R, yellow.R), mix(blue.G, yellow.G), mix(blue.B, yellow.B),
				uint8(math.Round(255 * float64(inSquare) / ss / ss))})
		}
	}
	return img
}

type point struct{ x, y float64 }

// starPolygon is a five-pointed star, point up, inner radius 0.382 × outer.
func starPolygon(cx, cy, r float64) []point {
	var ps []point
	for i := range 10 {
		rr := r
		if i%2 == 1 {
			rr = r * 0.382
		}
		a := float64(i) * math.Pi / 5
		ps = append(ps, point{cx + rr*math.Sin(a), cy - rr*math.Cos(a)})
	}
	return ps
}

func inPolygon(p point, poly []point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

func inRoundedSquare(p point, r float64) bool {
	dx := math.Max(math.Max(r-p.x, p.x-(1-r)), 0)
	dy := math.Max(math.Max(r-p.y, p.y-(1-r)), 0)
	return dx*dx+dy*dy <= r*r
}
