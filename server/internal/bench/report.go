package bench

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

func table(out io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(out, 2, 4, 3, ' ', 0) }

func section(out io.Writer, title string) {
	fmt.Fprintf(out, "\n== %s %s\n", title, strings.Repeat("=", max(3, 76-len(title))))
}

// ms renders a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// meanLatency is, by Little's law, the mean call of a closed loop.
func meanLatency(l load) time.Duration {
	if l.rate() == 0 {
		return 0
	}
	return time.Duration(float64(l.workers) / l.rate() * float64(time.Second))
}

// dbCores is the database backends' CPU use over d, in cores, when known.
func dbCores(w waitProfile, d time.Duration) string {
	if !w.dbCPUKnown || d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f cores", w.dbCPU.Seconds()/d.Seconds())
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func printHot(out io.Writer, opt Options, r hotResult) {
	section(out, fmt.Sprintf("hot: one SKU, %d clients, %s per path", r.clients, opt.Duration))
	tw := table(out)
	fmt.Fprintln(tw, "PATH\tALLOCATIONS\tPER SECOND\tP50\tP99\tMAX\tBENCH CPU\tDB CPU\tFAILED")
	row := func(name string, l load, w waitProfile) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%.2f cores\t%s\t%d\n", name, l.ok, l.rate(),
			ms(l.lat.percentile(50)), ms(l.lat.percentile(99)), ms(l.lat.max()), l.cores(), dbCores(w, l.elapsed), l.failed)
	}
	row("intake: orders.Service.Intake, 1-line order", r.intake, r.intakeWaits)
	row("allocate only: order+line+inventory.AllocateTx", r.raw, r.rawWaits)
	if r.pgbench != nil {
		fmt.Fprintf(tw, "pgbench: UPDATE of one row\t%d\t%.1f\tavg %s\t\t\t\t%s\t\n", r.pgbench.transactions, r.pgbench.tps,
			ms(r.pgbench.latencyAvg), dbCores(r.pgWaits, opt.Duration))
	}
	tw.Flush()
	for _, l := range []load{r.intake, r.raw} {
		if l.firstErr != nil {
			fmt.Fprintf(out, "  first failure: %v\n", l.firstErr)
		}
	}
	fmt.Fprintln(out)
	tw = table(out)
	if r.pgbench != nil {
		fmt.Fprintf(tw, "intake ÷ pgbench\t%.2f\ttarget ≥ %.2f\t%s\n", r.ratio(), HotTarget, verdict(r.ratio() >= HotTarget))
		fmt.Fprintf(tw, "allocate only ÷ pgbench\t%.2f\t\t\n", r.raw.rate()/r.pgbench.tps)
	} else {
		fmt.Fprintf(tw, "intake ÷ pgbench\tn/a\ttarget ≥ %.2f\tnot measured: %s\n", HotTarget, r.pgbenchNote)
	}
	if r.raw.rate() > 0 {
		fmt.Fprintf(tw, "intake ÷ allocate only\t%.2f\t\t(intake group-commits concurrent orders; allocate only is one order per transaction)\n", r.intake.rate()/r.raw.rate())
	}
	tw.Flush()
	if r.pgbench != nil {
		fmt.Fprintf(out, "  pgbench: %s\n", strings.Join(r.pgbench.args, " "))
	} else if r.pgbenchNote != "" {
		fmt.Fprintf(out, "  pgbench: %s\n", r.pgbenchNote)
	}
	cols := []string{"intake", "allocate only"}
	profiles := []waitProfile{r.intakeWaits, r.rawWaits}
	if r.pgbench != nil {
		cols, profiles = append(cols, "pgbench"), append(profiles, r.pgWaits)
	}
	printWaits(out, cols, profiles)
}

func printIntake(out io.Writer, opt Options, r intakeResult) {
	section(out, fmt.Sprintf("intake: %d tenants × 3 products, %d workers, 3-line orders, %s", r.tenants, r.run.workers, opt.Duration))
	l := r.run
	tw := table(out)
	fmt.Fprintln(tw, "METRIC\tVALUE\tTARGET\t")
	fmt.Fprintf(tw, "orders per second\t%.1f\t≥ %.0f\t%s\n", l.rate(), IntakeTargetRate, verdict(l.rate() >= IntakeTargetRate))
	fmt.Fprintf(tw, "order lines per second\t%.1f\t\t\n", 3*l.rate())
	fmt.Fprintf(tw, "p50 Intake call\t%s\t\t\n", ms(l.lat.percentile(50)))
	fmt.Fprintf(tw, "p95 Intake call\t%s\t\t\n", ms(l.lat.percentile(95)))
	fmt.Fprintf(tw, "p99 Intake call\t%s\t\t(closed loop: queueing behind %d workers)\n", ms(l.lat.percentile(99)), l.workers)
	fmt.Fprintf(tw, "max Intake call\t%s\t\t\n", ms(l.lat.max()))
	fmt.Fprintf(tw, "orders taken\t%d (%d failed)\t\t\n", l.ok, l.failed)
	fmt.Fprintf(tw, "bench process CPU\t%.2f cores\t\t\n", l.cores())
	fmt.Fprintf(tw, "database backends CPU\t%s\t\t\n", dbCores(r.waits, l.elapsed))
	if r.waits.dbCPUKnown && l.ok > 0 {
		per := (l.cpu + r.waits.dbCPU) / time.Duration(l.ok)
		fmt.Fprintf(tw, "CPU per order\t%s (bench %s + database %s)\t\t\n", ms(per), ms(l.cpu/time.Duration(l.ok)), ms(r.waits.dbCPU/time.Duration(l.ok)))
		fmt.Fprintf(tw, "CPU-bound ceiling\t%.0f orders/s on %d CPUs\t\t(if nothing else ran)\n", float64(runtime.NumCPU())/per.Seconds(), runtime.NumCPU())
	}
	fmt.Fprintf(tw, "set-up\t%d tenants in %s\t\t\n", r.tenants, r.setup.Round(100*time.Millisecond))
	p := r.paced
	fmt.Fprintf(tw, "at %.0f orders/s offered\t%.1f orders/s taken, %d failed\t≥ %.0f\t%s\n", IntakeTargetRate, p.rate(), p.failed,
		IntakeTargetRate*0.98, verdict(p.rate() >= IntakeTargetRate*0.98 && p.failed == 0))
	fmt.Fprintf(tw, "  p50 commit latency\t%s\t\t\n", ms(p.lat.percentile(50)))
	fmt.Fprintf(tw, "  p99 commit latency\t%s\t≤ %s\t%s\n", ms(p.lat.percentile(99)), ms(IntakeTargetP99), verdict(p.failed == 0 && p.lat.percentile(99) <= IntakeTargetP99))
	fmt.Fprintf(tw, "  max, most in flight\t%s, %d\t\t\n", ms(p.lat.max()), p.workers)
	tw.Flush()
	if l.firstErr != nil {
		fmt.Fprintf(out, "  first failure: %v\n", l.firstErr)
	}
	if p.firstErr != nil {
		fmt.Fprintf(out, "  first failure at the steady pace: %v\n", p.firstErr)
	}
	fmt.Fprintln(out, "  An Intake call is the whole transaction: resolve SKUs, insert the order and its lines, allocate, append events, commit.")
	fmt.Fprintf(out, "  The closed loop measures the rate intake sustains; its %d workers make the mean call %d ÷ rate = %s of queueing.\n",
		l.workers, l.workers, ms(meanLatency(l)))
	fmt.Fprintf(out, "  The latency target is read at the target rate: orders arrive every %s whether or not earlier ones are done,\n",
		ms(time.Second/time.Duration(IntakeTargetRate)))
	fmt.Fprintln(out, "  and each is timed from when it was due, so falling behind shows in the figures.")
	printWaits(out, []string{"intake"}, []waitProfile{r.waits})
}

// printWaits prints, for each run, the share of sampled backend states spent
// in each activity: the union of each run's most frequent ones.
func printWaits(out io.Writer, cols []string, profiles []waitProfile) {
	seen := map[string]bool{}
	var rows []string
	for _, p := range profiles {
		for _, s := range p.top(6) {
			if !seen[s.what] {
				seen[s.what] = true
				rows = append(rows, s.what)
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(out, "\n  Where the database backends were (sampled pg_stat_activity, share of backend samples):")
	tw := table(out)
	fmt.Fprintf(tw, "  ACTIVITY\t%s\n", strings.ToUpper(strings.Join(cols, "\t")))
	for _, what := range rows {
		fmt.Fprintf(tw, "  %s", what)
		for _, p := range profiles {
			fmt.Fprintf(tw, "\t%.0f%%", 100*float64(p.counts[what])/float64(max(p.backends, 1)))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for i, p := range profiles {
		top := p.topStatements(6)
		if len(top) == 0 {
			continue
		}
		fmt.Fprintf(out, "  %s: backends not queued for a lock, by statement (the last one when waiting for the client):\n", cols[i])
		for _, s := range top {
			fmt.Fprintf(out, "    %3.0f%%  %s\n", 100*s.share, s.what)
		}
	}
	for i, p := range profiles {
		if p.err != nil {
			fmt.Fprintf(out, "  (%s sampling stopped: %v)\n", cols[i], p.err)
		}
	}
}

func printStress(out io.Writer, r StressResult) {
	c := r.Config
	section(out, fmt.Sprintf("stress: %d ops, %d workers, %d SKUs in one tenant, seed %d", c.Ops, c.Workers, c.SKUs, c.Seed))
	tw := table(out)
	fmt.Fprintln(tw, "OPERATION\tTOTAL\tOK\tHELD\tREFUSED\tNOOP\tERRORS")
	for _, k := range r.Kinds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", k.Kind, k.Total, k.OK, k.Held, k.Refused, k.Noop, k.Err)
	}
	tw.Flush()
	interrupted := ""
	if r.Interrupted {
		interrupted = " (interrupted; the invariants are checked on what ran)"
	}
	fmt.Fprintf(out, "  %d operations in %s: %.0f ops/s%s\n", r.Ops, r.Elapsed.Round(time.Millisecond), r.Rate(), interrupted)
	fmt.Fprintln(out, "  held: the order went on hold short of stock; refused: the domain answered with a conflict (expected under contention).")
	var statuses []string
	for _, s := range sortedKeys(r.Orders) {
		statuses = append(statuses, fmt.Sprintf("%s %d", s, r.Orders[s]))
	}
	fmt.Fprintf(out, "  orders by status: %s\n", strings.Join(statuses, ", "))
	var stock []string
	for _, s := range r.Stock {
		stock = append(stock, fmt.Sprintf("%s %d/%d", s.SKU, s.OnHand, s.Allocated))
	}
	fmt.Fprintf(out, "  final stock (on hand/allocated): %s\n\n", strings.Join(stock, ", "))

	tw = table(out)
	fmt.Fprintln(tw, "INVARIANT\tRESULT")
	for _, ch := range r.Checks {
		res := "OK"
		if ch.Count > 0 {
			res = fmt.Sprintf("VIOLATED (%d)", ch.Count)
		}
		fmt.Fprintf(tw, "%s\t%s\n", ch.Name, res)
	}
	unexpected := "OK"
	if r.UnexpectedCount > 0 {
		unexpected = fmt.Sprintf("VIOLATED (%d)", r.UnexpectedCount)
	}
	fmt.Fprintf(tw, "no operation failed unexpectedly\t%s\n", unexpected)
	tw.Flush()
	for _, ch := range r.Checks {
		for _, v := range ch.Violations {
			fmt.Fprintf(out, "  violation: %s: %s\n", ch.Name, v)
		}
	}
	for _, u := range r.Unexpected {
		fmt.Fprintf(out, "  unexpected: %s\n", u)
	}
	if r.OK() {
		fmt.Fprintln(out, "invariants: OK")
	} else {
		fmt.Fprintln(out, "invariants: VIOLATED")
	}
}
