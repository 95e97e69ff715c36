// Package bench measures Manifold's allocation and intake paths on this
// machine and checks the stock invariants under a randomized concurrent
// load. It runs against a scratch database it creates and drops, never
// against real tenant data, drives the real order and stock services, and
// prints figures with their targets. Timings are reported, never asserted:
// only broken invariants make it fail.
package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Scenarios, in the order "all" runs them.
const (
	ScenarioHot    = "hot"
	ScenarioIntake = "intake"
	ScenarioStress = "stress"
	ScenarioAll    = "all"
)

// Defaults of the command's flags.
const (
	DefaultDuration      = 10 * time.Second
	DefaultHotClients    = 64
	DefaultIntakeWorkers = 32
	DefaultStressWorkers = 16
	DefaultTenants       = 50
	DefaultOps           = 1_000_000
	// StressSKUs and StressOnHand keep contention high and stock short.
	StressSKUs   = 8
	StressOnHand = 30
)

// ErrInvariants means the stress found a broken invariant or an unexpected error.
var ErrInvariants = errors.New("bench: invariants violated")

// Options configure a benchmark run.
type Options struct {
	// AdminURL is the schema owner's DATABASE_URL; it creates the scratch database.
	AdminURL string
	// Scenario is hot, intake, stress or all.
	Scenario string
	// Duration is how long the hot and intake scenarios measure each path.
	Duration time.Duration
	// Clients is the number of concurrent clients; 0 means each scenario's default.
	Clients int
	// Tenants is the number of tenants of the intake scenario.
	Tenants int
	// Ops is the number of operations of the stress scenario.
	Ops int
	// Keep leaves the scratch database in place for inspection.
	Keep bool
	// Pgbench is the pgbench binary; empty looks on PATH and in the usual places.
	Pgbench string
	// Seed seeds the random choices.
	Seed uint64
	// Command is printed at the top as the way to reproduce the run.
	Command string
}

func (o Options) scenarios() ([]string, error) {
	switch o.Scenario {
	case ScenarioAll, "":
		return []string{ScenarioHot, ScenarioIntake, ScenarioStress}, nil
	case ScenarioHot, ScenarioIntake, ScenarioStress:
		return []string{o.Scenario}, nil
	}
	return nil, fmt.Errorf("bench: scenario %q is not hot, intake, stress or all", o.Scenario)
}

// clients is the concurrency of a scenario.
func (o Options) clients(scenario string) int {
	if o.Clients > 0 {
		return o.Clients
	}
	switch scenario {
	case ScenarioHot:
		return DefaultHotClients
	case ScenarioIntake:
		return DefaultIntakeWorkers
	}
	return DefaultStressWorkers
}

// Run creates a scratch database, runs the chosen scenarios against it,
// printing each one's table to out and progress to progress, and drops the
// database unless Keep is set. It returns ErrInvariants when the stress finds
// a violation.
func Run(ctx context.Context, opt Options, out, progress io.Writer) (err error) {
	scenarios, err := opt.scenarios()
	if err != nil {
		return err
	}
	if opt.Duration <= 0 || opt.Tenants <= 0 || opt.Ops <= 0 || opt.Clients < 0 {
		return errors.New("bench: --duration, --tenants and --ops must be positive and --clients not negative")
	}
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }

	say("creating and migrating a scratch database")
	sc, err := CreateScratch(ctx, opt.AdminURL)
	if err != nil {
		return err
	}
	defer func() {
		if opt.Keep {
			fmt.Fprintf(out, "\nscratch database kept: %s (drop it with: DROP DATABASE %s WITH (FORCE))\n", redact(sc.OwnerURL), sc.Name)
			return
		}
		if derr := sc.Drop(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	if err := header(ctx, out, opt, sc); err != nil {
		return err
	}

	failed := false
	for _, name := range scenarios {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch name {
		case ScenarioHot:
			r, err := runHot(ctx, sc, opt, say)
			if err != nil {
				return err
			}
			printHot(out, opt, r)
		case ScenarioIntake:
			r, err := runIntake(ctx, sc, opt, say)
			if err != nil {
				return err
			}
			printIntake(out, opt, r)
		case ScenarioStress:
			r, waits, err := runStress(ctx, sc, opt, progress)
			if err != nil {
				return err
			}
			printStress(out, r)
			printWaits(out, []string{"stress"}, []waitProfile{waits})
			failed = failed || !r.OK()
		}
	}
	if failed {
		return ErrInvariants
	}
	return ctx.Err()
}

// runStress runs the invariant stress on its own pool of the scratch database.
func runStress(ctx context.Context, sc *Scratch, opt Options, progress io.Writer) (StressResult, waitProfile, error) {
	workers := opt.clients(ScenarioStress)
	fmt.Fprintf(progress, "stress: %d operations on %d workers over %d SKUs\n", opt.Ops, workers, StressSKUs)
	st, closeStack, err := openStack(ctx, sc.AppURL, workers+2)
	if err != nil {
		return StressResult{}, waitProfile{}, err
	}
	defer closeStack()
	stop := sampleWaits(ctx, sc.AppURL, sc.Name, 100*time.Millisecond)
	res, err := Stress(ctx, st.db, StressConfig{Ops: opt.Ops, Workers: workers, SKUs: StressSKUs, OnHand: StressOnHand,
		Seed: opt.Seed, Progress: progress})
	return res, stop(), err
}

// header prints how to reproduce the run and what it ran on.
func header(ctx context.Context, out io.Writer, opt Options, sc *Scratch) error {
	conn, err := sql.Open("pgx", sc.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	var version, fsync, syncCommit, maxConns, buffers string
	if err := conn.QueryRowContext(ctx, `SELECT split_part(version(), ' on ', 1), current_setting('fsync'),
		current_setting('synchronous_commit'), current_setting('max_connections'), current_setting('shared_buffers')`).
		Scan(&version, &fsync, &syncCommit, &maxConns, &buffers); err != nil {
		return fmt.Errorf("bench: read server settings: %w", err)
	}
	host := ""
	if u, err := url.Parse(sc.OwnerURL); err == nil {
		host = " at " + u.Host
	}
	keep := "dropped at the end; --keep keeps it"
	if opt.Keep {
		keep = "kept at the end"
	}
	fmt.Fprintf(out, "manifold bench, %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(out, "  reproduce:  DATABASE_URL='%s' %s\n", redact(opt.AdminURL), opt.Command)
	fmt.Fprintf(out, "  machine:    %s/%s, %d CPUs, GOMAXPROCS %d, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(out, "  postgres:   %s%s; fsync=%s synchronous_commit=%s max_connections=%s shared_buffers=%s\n",
		version, host, fsync, syncCommit, maxConns, buffers)
	fmt.Fprintf(out, "  database:   scratch %s (%s)\n", sc.Name, keep)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		// Figures only mean something on an otherwise idle machine.
		fmt.Fprintf(out, "  load:       %s (1, 5, 15 min averages at the start)\n", strings.Join(strings.Fields(string(b))[:3], " "))
	}
	return nil
}

// redact hides a password in a database URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
