package bench

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"
)

// waitProfile counts what the database's client backends were doing at each
// sample: running, waiting for a lock, for the WAL, or for the client's next
// statement inside a transaction.
type waitProfile struct {
	samples  int
	backends int
	counts   map[string]int
	// statements counts backends in a transaction but not queued for a
	// lock, by activity and statement (the running one, or the last one
	// when waiting for the client).
	statements map[string]int
	// dbCPU is the CPU time the sampled backends used while sampled, when
	// the database runs on this machine (dbCPUKnown).
	dbCPU      time.Duration
	dbCPUKnown bool
	err        error
}

// waitShare is one activity and its share of all backend samples.
type waitShare struct {
	what  string
	share float64
}

// top returns the n most frequent activities.
func (p waitProfile) top(n int) []waitShare { return share(p.counts, p.backends, n) }

// topStatements returns the n most frequent activity and statement pairs,
// as shares of the backends in a transaction and not queued for a lock.
func (p waitProfile) topStatements(n int) []waitShare {
	total := 0
	for _, c := range p.statements {
		total += c
	}
	return share(p.statements, total, n)
}

func share(counts map[string]int, total, n int) []waitShare {
	out := make([]waitShare, 0, len(counts))
	for k, c := range counts {
		out = append(out, waitShare{what: k, share: float64(c) / float64(max(total, 1))})
	}
	slices.SortFunc(out, func(a, b waitShare) int {
		if c := cmp.Compare(b.share, a.share); c != 0 {
			return c
		}
		return cmp.Compare(a.what, b.what)
	})
	return out[:min(n, len(out))]
}

// sampleWaits samples pg_stat_activity for database dbName every interval
// until stop is called, counting the backends of the role url connects as
// (a role sees its own backends' wait events). stop returns the profile.
func sampleWaits(ctx context.Context, url, dbName string, interval time.Duration) (stop func() waitProfile) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan waitProfile, 1)
	go func() {
		p := waitProfile{counts: map[string]int{}, statements: map[string]int{}}
		// CPU time of each backend when first seen and when last read; a
		// backend that exits (pgbench's) keeps its last reading.
		first, last := map[int]time.Duration{}, map[int]time.Duration{}
		readCPU := func(pid int) {
			if t, ok := backendCPU(pid); ok {
				if _, seen := first[pid]; !seen {
					first[pid] = t
				}
				last[pid] = t
			}
		}
		defer func() {
			for pid := range first {
				readCPU(pid)
				p.dbCPU += last[pid] - first[pid]
				p.dbCPUKnown = true
			}
			done <- p
		}()
		conn, err := sql.Open("pgx", url)
		if err != nil {
			p.err = err
			return
		}
		defer conn.Close()
		conn.SetMaxOpenConns(1)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rows, err := conn.QueryContext(ctx, `SELECT pid, coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, ''),
					left(regexp_replace(coalesce(query, ''), '\s+', ' ', 'g'), 90)
				FROM pg_stat_activity
				WHERE datname = $1 AND backend_type = 'client backend' AND usename = current_user AND pid <> pg_backend_pid()`, dbName)
			if err != nil {
				if ctx.Err() == nil {
					p.err = err
				}
				return
			}
			p.samples++
			for rows.Next() {
				var pid int
				var state, typ, event, query string
				if err := rows.Scan(&pid, &state, &typ, &event, &query); err != nil {
					p.err = err
					break
				}
				if _, seen := first[pid]; !seen || p.samples%10 == 0 {
					readCPU(pid)
				}
				p.backends++
				what := activity(state, typ, event)
				p.counts[what]++
				// Backends queued for the row lock all show the same
				// statement; what the others run is what the queue waits on.
				queued := typ == "Lock" || (typ == "LWLock" && event == "LockManager")
				if state != "idle" && state != "" && !queued {
					p.statements[what+" | "+query]++
				}
			}
			rows.Close()
		}
	}()
	return func() waitProfile {
		cancel()
		return <-done
	}
}

// activity names what a backend is doing in words a reader of the report
// can act on.
func activity(state, typ, event string) string {
	switch {
	case state == "idle":
		return "idle, between transactions"
	case state == "idle in transaction":
		return "in a transaction, waiting for the client's next statement"
	case state == "active" && typ == "":
		return "executing (CPU)"
	case typ == "Lock" && (event == "transactionid" || event == "tuple"):
		return "waiting for a row lock (Lock:" + event + ")"
	case typ == "Client" && event == "ClientRead":
		return "waiting for the client (ClientRead)"
	case typ == "":
		return state
	default:
		return typ + ":" + event
	}
}
