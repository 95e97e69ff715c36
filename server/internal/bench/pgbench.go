package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pgbenchScript is the baseline: the fastest a single hot row can be updated
// on this machine, one autocommitted UPDATE per transaction.
const pgbenchScript = "UPDATE bench_counter SET n = n + 1 WHERE id = 1;\n"

// pgbenchResult is what pgbench reported.
type pgbenchResult struct {
	args         []string
	tps          float64
	latencyAvg   time.Duration
	transactions int64
}

// findPgbench returns explicit when given, else pgbench on PATH, else the
// newest one in the usual PostgreSQL install directories.
func findPgbench(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("pgbench %s: %w", explicit, err)
		}
		return explicit, nil
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	var found []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin/pgbench", "/usr/pgsql-*/bin/pgbench", "/opt/homebrew/opt/postgresql@*/bin/pgbench", "/usr/local/pgsql/bin/pgbench"} {
		m, _ := filepath.Glob(pattern)
		found = append(found, m...)
	}
	if len(found) == 0 {
		return "", errors.New("pgbench not found on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL client tools or pass --pgbench")
	}
	slices.SortFunc(found, func(a, b string) int { return versionIn(a) - versionIn(b) })
	return found[len(found)-1], nil
}

var versionPattern = regexp.MustCompile(`[0-9]+`)

func versionIn(path string) int {
	n, _ := strconv.Atoi(versionPattern.FindString(path))
	return n
}

// runPgbench creates the one-row table in the scratch database and runs
// pgbench's custom script against it as the schema owner.
func runPgbench(ctx context.Context, path, ownerURL string, clients int, d time.Duration) (pgbenchResult, error) {
	conn, err := sql.Open("pgx", ownerURL)
	if err != nil {
		return pgbenchResult{}, err
	}
	defer conn.Close()
	for _, q := range []string{`DROP TABLE IF EXISTS bench_counter`,
		`CREATE TABLE bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)`,
		`INSERT INTO bench_counter VALUES (1, 0)`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return pgbenchResult{}, fmt.Errorf("create bench_counter: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "manifold-bench-")
	if err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "update.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript), 0o600); err != nil {
		return pgbenchResult{}, err
	}
	// The password, if any, goes through the environment rather than the
	// command line, where other users could read it.
	u, err := url.Parse(ownerURL)
	if err != nil {
		return pgbenchResult{}, err
	}
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	secs := max(1, int(math.Ceil(d.Seconds())))
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(2, clients)), "-T", strconv.Itoa(secs), "-f", script}
	cmd := exec.CommandContext(ctx, path, append(args, u.String())...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	res, err := parsePgbench(string(out))
	if err != nil {
		return pgbenchResult{}, err
	}
	res.args = append([]string{"pgbench"}, args[:len(args)-1]...)
	res.args = append(res.args, "update.sql")
	return res, nil
}

var (
	tpsPattern     = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)`)
	anyTPSPattern  = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	latencyPattern = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	txPattern      = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
)

// parsePgbench reads the rate, mean latency and transaction count from
// pgbench's summary. Versions before 14 print two tps lines; the one
// without connection set-up is the one that compares with ours.
func parsePgbench(out string) (pgbenchResult, error) {
	var res pgbenchResult
	m := tpsPattern.FindStringSubmatch(out)
	if m == nil {
		m = anyTPSPattern.FindStringSubmatch(out)
	}
	if m == nil {
		return res, fmt.Errorf("pgbench printed no tps line:\n%s", strings.TrimSpace(out))
	}
	res.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := latencyPattern.FindStringSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		res.latencyAvg = time.Duration(ms * float64(time.Millisecond))
	}
	if m := txPattern.FindStringSubmatch(out); m != nil {
		res.transactions, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return res, nil
}
