// Command manifold is Manifold's server binary: the HTTP server, the job
// worker, migrations and the operator's administration commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, io cmdIO, args []string) error
}

// cmdIO carries the process's streams and environment to a subcommand.
type cmdIO struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func commands() map[string]command {
	return map[string]command{
		"serve":         {"run the HTTP server (API, console, event stream)", cmdServe},
		"worker":        {"run the job worker and scheduler", cmdWorker},
		"run":           {"run server and worker in one process (single machine)", cmdRun},
		"migrate":       {"apply or inspect database migrations: migrate up|down|status", cmdMigrate},
		"tenant create": {"create a tenant: tenant create --slug acme --name \"Acme Ltd\"", cmdTenantCreate},
		"tenant list":   {"list tenants", cmdTenantList},
		"user create":   {"create a user: user create --tenant acme --email a@acme.com --role admin", cmdUserCreate},
		"token create":  {"create an API token for a user and print it once: token create --email a@acme.com --name ci", cmdTokenCreate},
		"bench":         {"measure allocation and intake on a scratch database and stress the stock invariants: bench --scenario hot|intake|stress|all", cmdBench},
		"demo":          {"ensure the demo tenant and its users exist and print how to sign in", cmdDemo},
		"key generate":  {"print a new random MANIFOLD_SECRET_KEY", cmdKeyGenerate},
		"sim":           {"run the marketplace and carrier simulators on loopback (real wire protocols, control API under /_sim/)", cmdSim},
	}
}

// run executes the subcommand named by args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name, rest := args[0], args[1:]
	if _, ok := cmds[name]; !ok && len(args) > 1 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "manifold: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
		usage(stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, cmdIO{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}, rest); err != nil {
		if err == errUsage {
			return 2
		}
		fmt.Fprintf(stderr, "manifold %s: %v\n", name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: manifold <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `manifold <command> --help` for a command's flags. Settings come from environment")
	fmt.Fprintln(w, "variables (DATABASE_URL, REDIS_URL, MANIFOLD_*); flags override them.")
}
