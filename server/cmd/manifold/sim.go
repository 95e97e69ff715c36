package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
	simwalmart "github.com/manifold-oms/manifold/server/sim/walmart"
	simwoocommerce "github.com/manifold-oms/manifold/server/sim/woocommerce"
)

// marketplaceSims builds one simulator per channel kind, in a fixed order
// so each gets a stable port.
func marketplaceSims() []sim.Marketplace {
	return []sim.Marketplace{
		simamazon.New(simamazon.Options{}),
		simwalmart.New(simwalmart.Options{}),
		simwoocommerce.New(simwoocommerce.Options{}),
		simebay.New(simebay.Options{}),
	}
}

// runningSim is a simulator serving on loopback.
type runningSim struct {
	sim.Marketplace
	URL string
}

// startSims serves every marketplace simulator, the first on basePort and
// the next ones on the following ports, until ctx ends.
func startSims(ctx context.Context, g *errgroup.Group, host string, basePort int) ([]runningSim, error) {
	var out []runningSim
	for i, m := range marketplaceSims() {
		addr := net.JoinHostPort(host, fmt.Sprint(basePort+i))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s simulator on %s: %w", m.Kind(), addr, err)
		}
		srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
		out = append(out, runningSim{Marketplace: m, URL: "http://" + ln.Addr().String()})
	}
	return out, nil
}

func cmdSim(ctx context.Context, io cmdIO, args []string) error {
	fs := flag.NewFlagSet("manifold sim", flag.ContinueOnError)
	fs.SetOutput(io.stderr)
	host := fs.String("host", "127.0.0.1", "address the simulators listen on")
	port := fs.Int("port", 18091, "port of the first simulator; the others take the next ports")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	g, gctx := errgroup.WithContext(ctx)
	sims, err := startSims(gctx, g, *host, *port)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(io.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tBASE URL\tCREDENTIALS")
	for _, s := range sims {
		creds := s.Credentials()
		keys := make([]string, 0, len(creds))
		for k := range creds {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+creds[k])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Kind(), s.URL, strings.Join(parts, " "))
	}
	_ = tw.Flush()
	fmt.Fprintln(io.stdout, "\nEach simulator's control API is under /_sim/. Ctrl-C stops them.")
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
