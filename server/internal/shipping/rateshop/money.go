package rateshop

import (
	"fmt"
	"strings"

	"github.com/manifold-oms/manifold/shared/domain"
)

// ParseCents turns a provider's decimal amount into integer cents exactly.
// Trailing zeros past the cent are accepted ("8.400" is 840) because they do
// not change the value; any other digit past the cent ("12.345") is an error,
// never rounded, because the price would no longer be the one charged.
// Negative amounts, exponents, thousands separators and empty strings are
// errors too.
func ParseCents(amount string) (int64, error) {
	s := strings.TrimSpace(amount)
	if whole, frac, ok := strings.Cut(s, "."); ok && len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, fmt.Errorf("rateshop: amount %q has fractions of a cent", amount)
		}
		s = whole + "." + frac[:2]
	}
	c, err := domain.ParseCents(s)
	if err != nil {
		return 0, fmt.Errorf("rateshop: %w", err)
	}
	if c < 0 || strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("rateshop: amount %q is negative", amount)
	}
	return c, nil
}
