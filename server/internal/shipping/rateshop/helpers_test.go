package rateshop

import "testing"

func d(t testing.TB, s string) Date {
	t.Helper()
	v, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func datep(s string) *Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &v
}

func days(n int) *int { return &n }

// quote builds a USD quote; id doubles as its RateID so tests can name it.
func quote(id, provider, carrier, service, amount string) Quote {
	return Quote{Provider: provider, Carrier: carrier, Service: service, Amount: amount, Currency: "USD", RateID: id}
}

func (q Quote) inDays(n int) Quote      { q.BusinessDays = days(n); return q }
func (q Quote) on(s string) Quote       { q.DeliveryDate = datep(s); return q }
func (q Quote) guaranteed() Quote       { q.Guaranteed = true; return q }
func (q Quote) currency(c string) Quote { q.Currency = c; return q }
func (q Quote) provider(p string) Quote { q.Provider = p; return q }
