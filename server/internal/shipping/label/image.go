package label

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
)

// ImagePDF puts a carrier's raster label (a decoded GIF or PNG) on a
// one-page 4×6 in PDF, as large as fits with its proportions kept. A
// landscape image, as UPS GIF labels are, is turned a quarter clockwise so
// that it reads portrait. Pixels become black or white (labels are
// one-bit images), stored Flate-compressed.
func ImagePDF(img image.Image) ([]byte, error) {
	if img == nil {
		return nil, errors.New("label: no image")
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if w <= 0 || h <= 0 || w > 10000 || h > 10000 {
		return nil, fmt.Errorf("label: an image of %d×%d pixels cannot be a label", w, h)
	}
	stride := (w + 7) / 8
	bits := make([]byte, stride*h)
	// In DeviceGray one bit is white, zero black; transparency is paper.
	white := func(c color.Color) bool {
		_, _, _, a := c.RGBA()
		return a < 0x8000 || color.GrayModel.Convert(c).(color.Gray).Y >= 128
	}
	pal, paletted := img.(*image.Paletted)
	var palWhite []bool
	if paletted {
		for _, c := range pal.Palette {
			palWhite = append(palWhite, white(c))
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var on bool
			if paletted {
				i := int(pal.Pix[pal.PixOffset(r.Min.X+x, r.Min.Y+y)])
				on = i < len(palWhite) && palWhite[i]
			} else {
				on = white(img.At(r.Min.X+x, r.Min.Y+y))
			}
			if on {
				bits[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(bits); err != nil {
		return nil, fmt.Errorf("label: compressing the image: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("label: compressing the image: %w", err)
	}

	var w0 pdfWriter
	im := w0.addStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode ", w, h), z.Bytes())
	var cm string
	if w > h {
		// Rotated: the image's width runs down the page, its height across.
		scale := min(pageHeight/float64(w), pageWidth/float64(h))
		across, down := float64(h)*scale, float64(w)*scale
		x0, y0 := (pageWidth-across)/2, (pageHeight-down)/2
		cm = fmt.Sprintf("0 %s %s 0 %s %s", num(-down), num(across), num(x0), num(y0+down))
	} else {
		scale := min(pageWidth/float64(w), pageHeight/float64(h))
		pw, ph := float64(w)*scale, float64(h)*scale
		cm = fmt.Sprintf("%s 0 0 %s %s %s", num(pw), num(ph), num((pageWidth-pw)/2), num((pageHeight-ph)/2))
	}
	content := []byte("q " + cm + " cm /Im1 Do Q\n")
	return w0.page(fmt.Sprintf("<< /XObject << /Im1 %d 0 R >> >>", im), content, "Shipping label"), nil
}
