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

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/sim"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	simeasypost "github.com/manifold-oms/manifold/server/sim/easypost"
	simebay "github.com/manifold-oms/manifold/server/sim/ebay"
	simfedex "github.com/manifold-oms/manifold/server/sim/fedex"
	simshippo "github.com/manifold-oms/manifold/server/sim/shippo"
	simups "github.com/manifold-oms/manifold/server/sim/ups"
	simusps "github.com/manifold-oms/manifold/server/sim/usps"
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

// carrierSim is a simulated shipping provider.
type carrierSim interface {
	http.Handler
	Credentials() map[string]string
}

// carrierSims builds one simulator per shipping provider key, each scripted
// by its entry of the script when there is one.
func carrierSims(script carrierscript.Script) []struct {
	key string
	sim carrierSim
} {
	entry := func(key string) *carrierscript.Provider {
		if p, ok := script[key]; ok {
			return &p
		}
		return nil
	}
	return []struct {
		key string
		sim carrierSim
	}{
		{carrier.UPSDirect, simups.New(simups.Options{Script: entry(carrier.UPSDirect)})},
		{carrier.USPSDirect, simusps.New(simusps.Options{Script: entry(carrier.USPSDirect)})},
		{carrier.FedExDirect, simfedex.New(simfedex.Options{Script: entry(carrier.FedExDirect)})},
		{carrier.EasyPost, simeasypost.New(simeasypost.Options{Script: entry(carrier.EasyPost)})},
		{carrier.Shippo, simshippo.New(simshippo.Options{Script: entry(carrier.Shippo)})},
	}
}

// runningSim is a simulator serving on loopback.
type runningSim struct {
	sim.Marketplace
	URL string
}

// serve runs h on host:port until ctx ends and returns its base URL.
func serve(ctx context.Context, g *errgroup.Group, name, host string, port int, h http.Handler) (string, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s simulator on %s: %w", name, addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
		// A scripted hang holds its request until the client gives up;
		// shutdown does not wait for those.
		if err := srv.Shutdown(sctx); err != nil {
			return srv.Close()
		}
		return nil
	})
	return "http://" + ln.Addr().String(), nil
}

// startSims serves every marketplace simulator, the first on basePort and
// the next ones on the following ports, until ctx ends.
func startSims(ctx context.Context, g *errgroup.Group, host string, basePort int) ([]runningSim, error) {
	var out []runningSim
	for i, m := range marketplaceSims() {
		u, err := serve(ctx, g, m.Kind(), host, basePort+i, m)
		if err != nil {
			return nil, err
		}
		out = append(out, runningSim{Marketplace: m, URL: u})
	}
	return out, nil
}

func cmdSim(ctx context.Context, io cmdIO, args []string) error {
	fs := flag.NewFlagSet("manifold sim", flag.ContinueOnError)
	fs.SetOutput(io.stderr)
	host := fs.String("host", "127.0.0.1", "address the simulators listen on")
	port := fs.Int("port", 18091, "port of the first marketplace simulator; the others take the next ports")
	carrierPort := fs.Int("carrier-port", 18101, "port of the first carrier simulator (ups_direct, usps_direct, fedex_direct, easypost, shippo)")
	scriptPath := fs.String("carrier-script", "", "JSON file fixing each carrier simulator's latency, failure mode and quotes (docs/carrier-simulator-script.md)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var script carrierscript.Script
	if *scriptPath != "" {
		var err error
		if script, err = carrierscript.Load(*scriptPath); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	sims, err := startSims(gctx, g, *host, *port)
	if err != nil {
		return err
	}
	type started struct {
		name, url string
		creds     map[string]string
	}
	all := make([]started, 0, len(sims)+5)
	for _, s := range sims {
		all = append(all, started{s.Kind(), s.URL, s.Credentials()})
	}
	for i, c := range carrierSims(script) {
		u, err := serve(gctx, g, c.key, *host, *carrierPort+i, c.sim)
		if err != nil {
			return err
		}
		all = append(all, started{c.key, u, c.sim.Credentials()})
	}
	tw := tabwriter.NewWriter(io.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SIMULATOR\tBASE URL\tCREDENTIALS")
	for _, s := range all {
		creds := s.creds
		keys := make([]string, 0, len(creds))
		for k := range creds {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+creds[k])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.name, s.url, strings.Join(parts, " "))
	}
	_ = tw.Flush()
	fmt.Fprintln(io.stdout, "\nEach simulator's control API is under /_sim/. Ctrl-C stops them.")
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
