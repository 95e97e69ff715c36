package shipping

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
)

// maxPromiseDays bounds a promise level: a promise longer than six weeks is
// a typing mistake, not a delivery promise.
const maxPromiseDays = 30

// settings is a tenant's shipping settings, checked and ready to use.
type settings struct {
	api          api.ShippingSettings
	loc          *time.Location
	cutoff       *rateshop.ClockTime
	levels       map[string]rateshop.Promise
	baselines    map[string]rateshop.ServiceKey
	serviceTable rateshop.ServiceTable
	perProvider  time.Duration
	budget       time.Duration
	possibleLost time.Duration
}

// DefaultSettings are a new tenant's settings: three promise levels, the
// common channel service levels mapped to them, no origin yet.
func DefaultSettings() api.ShippingSettings {
	m := func(kind, level, promise string) api.ServiceLevelMapping {
		return api.ServiceLevelMapping{ChannelKind: kind, ServiceLevel: level, PromiseLevel: promise}
	}
	return api.ShippingSettings{
		TimeZone: "UTC",
		PromiseLevels: []api.PromiseLevel{
			{Level: "standard", MaxBusinessDays: 5},
			{Level: "two_day", MaxBusinessDays: 2},
			{Level: "next_day", MaxBusinessDays: 1},
		},
		ServiceLevels: []api.ServiceLevelMapping{
			m("amazon", "Standard", "standard"), m("amazon", "FreeEconomy", "standard"),
			m("amazon", "Expedited", "two_day"), m("amazon", "SecondDay", "two_day"), m("amazon", "NextDay", "next_day"),
			m("walmart", "STANDARD", "standard"), m("walmart", "VALUE", "standard"),
			m("walmart", "TWO_DAY", "two_day"), m("walmart", "ONE_DAY", "next_day"),
			m("manual", "Standard", "standard"),
		},
		DefaultPromiseLevel: "standard",
		Baselines:           map[string]string{},
		ServiceTable:        map[string]int{},
		ProviderTimeoutMS:   5000,
		BudgetMS:            8000,
		PossibleLostHours:   24,
	}
}

// compile checks settings and prepares them for use. known says whether a
// provider key is one this server has an adapter for.
func compile(in api.ShippingSettings, known func(string) error) (settings, error) {
	out := settings{levels: map[string]rateshop.Promise{}, baselines: map[string]rateshop.ServiceKey{},
		serviceTable: rateshop.ServiceTable{}}
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil {
		return out, apperr.Invalid("time_zone %q is not an IANA time zone such as America/Chicago", in.TimeZone)
	}
	out.loc = loc
	if in.Cutoff = strings.TrimSpace(in.Cutoff); in.Cutoff != "" {
		c, err := rateshop.ParseClockTime(in.Cutoff)
		if err != nil {
			return out, apperr.Invalid("cutoff %q is not a time of day HH:MM", in.Cutoff)
		}
		out.cutoff = &c
		in.Cutoff = c.String()
	}
	if in.Origin != nil {
		if err := checkAddress("origin", *in.Origin); err != nil {
			return out, err
		}
	}
	if len(in.PromiseLevels) == 0 {
		return out, apperr.Invalid("promise_levels must name at least one level")
	}
	for i, l := range in.PromiseLevels {
		l.Level = strings.TrimSpace(l.Level)
		in.PromiseLevels[i].Level = l.Level
		if l.Level == "" || len(l.Level) > 40 {
			return out, apperr.Invalid("promise_levels[%d]: level needs a name of 1 to 40 characters", i)
		}
		if _, dup := out.levels[l.Level]; dup {
			return out, apperr.Invalid("promise level %q is listed twice", l.Level)
		}
		p, err := checkPromise(l)
		if err != nil {
			return out, err
		}
		out.levels[l.Level] = p
	}
	seen := map[string]bool{}
	for i, m := range in.ServiceLevels {
		m.ChannelKind, m.ServiceLevel, m.PromiseLevel = strings.TrimSpace(m.ChannelKind), strings.TrimSpace(m.ServiceLevel), strings.TrimSpace(m.PromiseLevel)
		in.ServiceLevels[i] = m
		if m.ChannelKind == "" || m.ServiceLevel == "" {
			return out, apperr.Invalid("service_levels[%d]: channel_kind and service_level are required", i)
		}
		if _, ok := out.levels[m.PromiseLevel]; !ok {
			return out, apperr.Invalid("service_levels[%d]: promise level %q is not one of %s", i, m.PromiseLevel, levelNames(out.levels))
		}
		key := strings.ToLower(m.ChannelKind) + "\x00" + strings.ToLower(m.ServiceLevel)
		if seen[key] {
			return out, apperr.Invalid("service level %q of %s is mapped twice", m.ServiceLevel, m.ChannelKind)
		}
		seen[key] = true
	}
	if in.DefaultPromiseLevel = strings.TrimSpace(in.DefaultPromiseLevel); in.DefaultPromiseLevel != "" {
		if _, ok := out.levels[in.DefaultPromiseLevel]; !ok {
			return out, apperr.Invalid("default_promise_level %q is not one of %s", in.DefaultPromiseLevel, levelNames(out.levels))
		}
	}
	if in.Baselines == nil {
		in.Baselines = map[string]string{}
	}
	for level, svc := range in.Baselines {
		if _, ok := out.levels[level]; !ok {
			return out, apperr.Invalid("baselines: promise level %q is not one of %s", level, levelNames(out.levels))
		}
		var k rateshop.ServiceKey
		if err := k.UnmarshalText([]byte(svc)); err != nil {
			return out, apperr.Invalid("baselines[%s]: %q must be provider/service, e.g. ups_direct/03", level, svc)
		}
		if err := known(k.Provider); err != nil {
			return out, apperr.Invalid("baselines[%s]: %s", level, messageOf(err))
		}
		out.baselines[level] = k
	}
	if in.ServiceTable == nil {
		in.ServiceTable = map[string]int{}
	}
	for svc, days := range in.ServiceTable {
		var k rateshop.ServiceKey
		if err := k.UnmarshalText([]byte(svc)); err != nil {
			return out, apperr.Invalid("service_table: %q must be provider/service, e.g. easypost/Priority", svc)
		}
		if err := known(k.Provider); err != nil {
			return out, apperr.Invalid("service_table[%s]: %s", svc, messageOf(err))
		}
		if days < 0 || days > maxPromiseDays {
			return out, apperr.Invalid("service_table[%s]: %d business days must be from 0 to %d", svc, days, maxPromiseDays)
		}
		out.serviceTable[k] = days
	}
	if in.ProviderTimeoutMS < 100 || in.ProviderTimeoutMS > 120000 {
		return out, apperr.Invalid("provider_timeout_ms must be from 100 to 120000, not %d", in.ProviderTimeoutMS)
	}
	if in.BudgetMS < 100 || in.BudgetMS > 120000 {
		return out, apperr.Invalid("budget_ms must be from 100 to 120000, not %d", in.BudgetMS)
	}
	if in.PossibleLostHours < 1 || in.PossibleLostHours > 720 {
		return out, apperr.Invalid("possible_lost_hours must be from 1 to 720, not %d", in.PossibleLostHours)
	}
	out.perProvider = time.Duration(in.ProviderTimeoutMS) * time.Millisecond
	out.budget = time.Duration(in.BudgetMS) * time.Millisecond
	out.possibleLost = time.Duration(in.PossibleLostHours) * time.Hour
	out.api = in
	return out, nil
}

// checkPromise refuses a promise no carrier can keep or no one meant.
func checkPromise(l api.PromiseLevel) (rateshop.Promise, error) {
	if l.MaxBusinessDays < 1 || l.MaxBusinessDays > maxPromiseDays {
		return rateshop.Promise{}, apperr.Invalid("promise %q: max_business_days must be from 1 to %d, not %d; a parcel tendered today cannot be delivered in %d business days",
			l.Level, maxPromiseDays, l.MaxBusinessDays, l.MaxBusinessDays)
	}
	return rateshop.Promise{Level: l.Level, MaxBusinessDays: l.MaxBusinessDays, GuaranteedOnly: l.GuaranteedOnly}, nil
}

func levelNames(levels map[string]rateshop.Promise) string {
	names := make([]string, 0, len(levels))
	for n := range levels {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// promiseFor maps a channel's service level to a promise. An empty service
// level takes the default level; a named one that is not mapped is refused,
// because guessing could downgrade what the buyer paid for.
func (st settings) promiseFor(channelKind, serviceLevel string) (rateshop.Promise, error) {
	sl := strings.TrimSpace(serviceLevel)
	if sl != "" {
		for _, m := range st.api.ServiceLevels {
			if strings.EqualFold(m.ChannelKind, channelKind) && strings.EqualFold(m.ServiceLevel, sl) {
				return st.levels[m.PromiseLevel], nil
			}
		}
		return rateshop.Promise{}, apperr.Invalid("service level %q of %s orders is not mapped to a promise level; map it in the shipping settings (service_levels)", sl, channelKind)
	}
	if st.api.DefaultPromiseLevel == "" {
		return rateshop.Promise{}, apperr.Invalid("the order names no service level and no default_promise_level is set in the shipping settings")
	}
	return st.levels[st.api.DefaultPromiseLevel], nil
}

// level returns a named promise level.
func (st settings) level(name string) (rateshop.Promise, error) {
	p, ok := st.levels[strings.TrimSpace(name)]
	if !ok {
		return rateshop.Promise{}, apperr.Invalid("promise level %q is not one of %s", name, levelNames(st.levels))
	}
	return p, nil
}

type settingsRow struct {
	Origin              []byte
	TimeZone            string
	Cutoff              string
	PromiseLevels       []byte
	ServiceLevels       []byte
	DefaultPromiseLevel string
	Baselines           []byte
	ServiceTable        []byte
	ProviderTimeoutMS   int
	BudgetMS            int
	PossibleLostHours   int
	UpdatedBy           string
	UpdatedAt           time.Time
}

// settingsTx loads the tenant's settings, or the defaults when none are saved.
func (s *Service) settingsTx(tx *gorm.DB, tenantID uuid.UUID) (settings, error) {
	var r settingsRow
	res := tx.Raw(`SELECT origin, time_zone, cutoff, promise_levels, service_levels, default_promise_level, baselines,
			service_table, provider_timeout_ms, budget_ms, possible_lost_hours, updated_by, updated_at
		FROM shipping_settings WHERE tenant_id = ?`, tenantID).Scan(&r)
	if res.Error != nil {
		return settings{}, fmt.Errorf("shipping: load settings: %w", res.Error)
	}
	in := DefaultSettings()
	if res.RowsAffected > 0 {
		in = api.ShippingSettings{TimeZone: r.TimeZone, Cutoff: r.Cutoff, DefaultPromiseLevel: r.DefaultPromiseLevel,
			ProviderTimeoutMS: r.ProviderTimeoutMS, BudgetMS: r.BudgetMS, PossibleLostHours: r.PossibleLostHours,
			UpdatedBy: r.UpdatedBy, UpdatedAt: &r.UpdatedAt}
		for _, f := range []struct {
			raw []byte
			v   any
		}{{r.Origin, &in.Origin}, {r.PromiseLevels, &in.PromiseLevels}, {r.ServiceLevels, &in.ServiceLevels},
			{r.Baselines, &in.Baselines}, {r.ServiceTable, &in.ServiceTable}} {
			if len(f.raw) == 0 {
				continue
			}
			if err := json.Unmarshal(f.raw, f.v); err != nil {
				return settings{}, fmt.Errorf("shipping: stored settings: %w", err)
			}
		}
	}
	// Stored settings were checked when saved; providers removed from this
	// server since then must not make them unreadable.
	st, err := compile(in, func(string) error { return nil })
	if err != nil {
		return settings{}, fmt.Errorf("shipping: stored settings no longer valid: %w", err)
	}
	return st, nil
}

func (s *Service) settings(ctx context.Context, tenantID uuid.UUID) (settings, error) {
	var st settings
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		st, err = s.settingsTx(tx, tenantID)
		return err
	})
	return st, err
}

// Settings returns the tenant's shipping settings.
func (s *Service) Settings(ctx context.Context, tenantID uuid.UUID) (api.ShippingSettings, error) {
	st, err := s.settings(ctx, tenantID)
	if err != nil {
		return api.ShippingSettings{}, err
	}
	return st.api, nil
}

// PutSettings replaces the tenant's shipping settings.
func (s *Service) PutSettings(ctx context.Context, tenantID uuid.UUID, actor string, in api.ShippingSettings) (api.ShippingSettings, error) {
	st, err := compile(in, s.checkProvider)
	if err != nil {
		return api.ShippingSettings{}, err
	}
	a := st.api
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	var origin []byte
	if a.Origin != nil {
		origin = enc(a.Origin)
	}
	if a.ServiceLevels == nil {
		a.ServiceLevels = []api.ServiceLevelMapping{}
	}
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO shipping_settings (tenant_id, origin, time_zone, cutoff, promise_levels, service_levels,
				default_promise_level, baselines, service_table, provider_timeout_ms, budget_ms, possible_lost_hours, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
			ON CONFLICT (tenant_id) DO UPDATE SET origin = EXCLUDED.origin, time_zone = EXCLUDED.time_zone, cutoff = EXCLUDED.cutoff,
				promise_levels = EXCLUDED.promise_levels, service_levels = EXCLUDED.service_levels,
				default_promise_level = EXCLUDED.default_promise_level, baselines = EXCLUDED.baselines,
				service_table = EXCLUDED.service_table, provider_timeout_ms = EXCLUDED.provider_timeout_ms,
				budget_ms = EXCLUDED.budget_ms, possible_lost_hours = EXCLUDED.possible_lost_hours,
				updated_by = EXCLUDED.updated_by, updated_at = now()`,
			tenantID, origin, a.TimeZone, a.Cutoff, enc(a.PromiseLevels), enc(a.ServiceLevels), a.DefaultPromiseLevel,
			enc(a.Baselines), enc(a.ServiceTable), a.ProviderTimeoutMS, a.BudgetMS, a.PossibleLostHours, actor).Error
	})
	if err != nil {
		return api.ShippingSettings{}, fmt.Errorf("shipping: save settings: %w", err)
	}
	return s.Settings(ctx, tenantID)
}

// checkAddress requires what every carrier needs to rate: a postal code and
// a country.
func checkAddress(field string, a api.Address) error {
	if strings.TrimSpace(a.PostalCode) == "" {
		return apperr.Invalid("%s.postal_code is required", field)
	}
	if c := strings.TrimSpace(a.Country); len(c) != 2 {
		return apperr.Invalid("%s.country must be a two-letter ISO code such as US, not %q", field, a.Country)
	}
	return nil
}

func toRateAddress(a api.Address) rateshop.Address {
	return rateshop.Address{Name: a.Name, Street1: a.Line1, Street2: a.Line2, City: a.City, State: a.Region,
		PostalCode: strings.TrimSpace(a.PostalCode), Country: strings.ToUpper(strings.TrimSpace(a.Country))}
}
