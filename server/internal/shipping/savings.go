package shipping

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// maxReportDays bounds a savings report's period.
const maxReportDays = 3 * 366

// SavingsReport sums, per provider and service, what rate shopping saved on
// the labels bought from one date to another (inclusive, on the warehouse
// clock; empty means the last 30 days): each decision's saving against the
// tenant's default service, net of the negative ones, and the net scaled to
// 30 and 365 days. Voided labels are left out: they were refunded. Only
// shipments in currency (default USD) count.
func (s *Service) SavingsReport(ctx context.Context, tenantID uuid.UUID, from, to, currency string) (api.SavingsReport, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if currency == "" {
		currency = "USD"
	}
	if len(currency) != 3 {
		return api.SavingsReport{}, apperr.Invalid("currency %q is not a three-letter code", currency)
	}
	var out api.SavingsReport
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		start, end, err := reportPeriod(from, to, s.today(st.loc))
		if err != nil {
			return err
		}
		days := end.Time().Sub(start.Time()).Hours()/24 + 1
		var rows []struct {
			Provider  string
			Carrier   string
			Service   string
			Shipments int
			Measured  int
			Spent     int64
			Baseline  int64
			Saved     int64
			Gained    int64
			Lost      int64
		}
		if err := tx.Raw(`SELECT provider, carrier, coalesce(nullif(service_name, ''), service) AS service,
				count(*) AS shipments, count(saved_cents) AS measured,
				coalesce(sum(cost_cents), 0) AS spent,
				coalesce(sum(baseline_cents) FILTER (WHERE saved_cents IS NOT NULL), 0) AS baseline,
				coalesce(sum(saved_cents), 0) AS saved,
				coalesce(sum(saved_cents) FILTER (WHERE saved_cents > 0), 0) AS gained,
				coalesce(-sum(saved_cents) FILTER (WHERE saved_cents < 0), 0) AS lost
			FROM shipments
			WHERE tenant_id = ? AND currency = ? AND labeled_at IS NOT NULL AND status <> 'voided'
			  AND labeled_at >= ? AND labeled_at < ?
			GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
			tenantID, currency, localMidnight(start, st.loc), localMidnight(end.AddDays(1), st.loc)).Scan(&rows).Error; err != nil {
			return fmt.Errorf("shipping: savings: %w", err)
		}
		out = api.SavingsReport{From: start.String(), To: end.String(), Days: int(days), Currency: currency, Rows: []api.SavingsRow{}}
		var spent, baseline, saved, gained, lost int64
		for _, r := range rows {
			out.Rows = append(out.Rows, api.SavingsRow{Provider: r.Provider, Carrier: r.Carrier, Service: r.Service,
				Shipments: r.Shipments, Measured: r.Measured, Spent: domain.FormatCents(r.Spent), Baseline: domain.FormatCents(r.Baseline),
				Saved: domain.FormatCents(r.Saved), Gained: domain.FormatCents(r.Gained), Lost: domain.FormatCents(r.Lost)})
			out.Shipments += r.Shipments
			out.Measured += r.Measured
			spent, baseline, saved, gained, lost = spent+r.Spent, baseline+r.Baseline, saved+r.Saved, gained+r.Gained, lost+r.Lost
		}
		out.Spent, out.Baseline, out.Saved = domain.FormatCents(spent), domain.FormatCents(baseline), domain.FormatCents(saved)
		out.Gained, out.Lost = domain.FormatCents(gained), domain.FormatCents(lost)
		out.MonthlyProjection = domain.FormatCents(scale(saved, 30, int64(days)))
		out.YearlyProjection = domain.FormatCents(scale(saved, 365, int64(days)))
		return nil
	})
	return out, wrap(err, "savings report")
}

// scale returns cents × num / den rounded half away from zero, in integers.
func scale(cents, num, den int64) int64 {
	p := cents * num
	if p < 0 {
		return -((-p*2 + den) / (2 * den))
	}
	return (p*2 + den) / (2 * den)
}

func reportPeriod(from, to string, today rateshop.Date) (rateshop.Date, rateshop.Date, error) {
	end := today
	if strings.TrimSpace(to) != "" {
		d, err := rateshop.ParseDate(strings.TrimSpace(to))
		if err != nil {
			return end, end, apperr.Invalid("to %q is not a date YYYY-MM-DD", to)
		}
		end = d
	}
	start := end.AddDays(-29)
	if strings.TrimSpace(from) != "" {
		d, err := rateshop.ParseDate(strings.TrimSpace(from))
		if err != nil {
			return start, end, apperr.Invalid("from %q is not a date YYYY-MM-DD", from)
		}
		start = d
	}
	if end.Before(start) {
		return start, end, apperr.Invalid("to %s is before from %s", end, start)
	}
	if end.Time().Sub(start.Time()) > maxReportDays*24*time.Hour {
		return start, end, apperr.Invalid("the period from %s to %s is longer than %d days", start, end, maxReportDays)
	}
	return start, end, nil
}

// localMidnight is the instant d begins on the warehouse clock.
func localMidnight(d rateshop.Date, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (s *Service) today(loc *time.Location) rateshop.Date { return rateshop.DateOf(s.now().In(loc)) }
