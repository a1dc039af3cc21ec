//go:build linux

// Command benchcmp prints the tables of make bench, each measured side by
// side in one run, because absolute figures move with machine load and the
// ratio is what to compare:
//
//   - codec: the siotest codec and the official Node parsers on the same
//     corpus (BenchmarkCorpus, fixtures/node/bench-codec.js), ops/s;
//   - server: the reference server (siotest serve) and the official Node
//     server (fixtures/bench/node-server.js) under the same load generator
//     (internal/cmd/loadgen): echo round trips, idle memory, broadcast;
//   - suite: the wall time of a full siotest run against the embedded
//     reference server and against the Node fixture.
//
// The server driver lives here rather than in a shell script: it starts
// each target, knows its pid for the load generator's /proc readings, stops
// it, and prints the table next to the others. Linux only, as the load
// generator.
//
//	go run ./internal/cmd/benchcmp [-corpus DIR] [-benchtime 1s] [-server-duration 5s] [-server-runs 2]
//		[-tables codec,server,suite] [-siotest BINARY]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type goResult struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
}

// BenchmarkCorpusInPlace rows come back as "<case>/decode-inplace".
var benchLine = regexp.MustCompile(`^BenchmarkCorpus(InPlace)?/([a-e])_\S+/(encode|decode)-\d+\s+\d+\s+([\d.]+) ns/op.*?\s([\d.]+) B/op\s+([\d.]+) allocs/op`)

func main() {
	corpus := flag.String("corpus", filepath.Join("..", "shared", "corpus"), "benchmark corpus directory")
	benchtime := flag.Duration("benchtime", time.Second, "time per codec benchmark, Go and Node alike")
	serverDur := flag.Duration("server-duration", 5*time.Second, "measured interval of each server scenario")
	serverRuns := flag.Int("server-runs", 2, "runs of each server scenario per target (the best is kept)")
	tables := flag.String("tables", "codec,server,suite", "tables to print, comma-separated")
	prebuilt := flag.String("siotest", "", "siotest binary to measure (default: build ./cmd/siotest)")
	flag.Parse()
	want := map[string]bool{}
	for _, t := range strings.Split(*tables, ",") {
		want[strings.TrimSpace(t)] = true
	}
	raiseFileLimit()
	if want["codec"] {
		if err := codecTable(*corpus, *benchtime); err != nil {
			fail(err)
		}
	}
	if want["server"] || want["suite"] {
		dir, err := os.MkdirTemp("", "benchcmp")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(dir)
		bins, err := build(dir, *prebuilt)
		if err != nil {
			fail(err)
		}
		if want["server"] {
			if err := serverTable(bins, *serverDur, max(1, *serverRuns)); err != nil {
				fail(err)
			}
		}
		if want["suite"] {
			if err := suiteTable(bins); err != nil {
				fail(err)
			}
		}
	}
}

func codecTable(corpus string, benchtime time.Duration) error {
	abs, err := filepath.Abs(corpus)
	if err != nil {
		return err
	}
	goRes, err := runGo(abs, benchtime)
	if err != nil {
		return err
	}
	nodeRes, nodeVersion, err := runNode(abs, benchtime)
	if err != nil {
		return err
	}
	fmt.Printf("codec on %s (Go %s, Node %s)\n\n", abs, goVersion(), nodeVersion)
	fmt.Printf("%-4s %-6s %14s %14s %7s %10s %9s\n", "case", "op", "go ops/s", "node ops/s", "ratio", "go B/op", "go allocs")
	for _, c := range []string{"a", "b", "c", "d", "e"} {
		for _, op := range []string{"encode", "decode"} {
			g, ok := goRes[c+"/"+op]
			n := nodeRes[c+"/"+op]
			if !ok || n == 0 {
				continue
			}
			goOps := 1e9 / g.nsPerOp
			fmt.Printf("%-4s %-6s %14.0f %14.0f %6.2fx %10.0f %9.0f\n", c, op, goOps, n, goOps/n, g.bytesPerOp, g.allocsPerOp)
		}
	}
	// Not the corpus contract: the body decoded in place (DecodePayloadInPlace).
	for _, c := range []string{"d", "e"} {
		g, ok := goRes[c+"/decode-inplace"]
		n := nodeRes[c+"/decode"]
		if !ok || n == 0 {
			continue
		}
		goOps := 1e9 / g.nsPerOp
		fmt.Printf("%-4s %-6s %14.0f %14.0f %6.2fx %10.0f %9.0f  (in place, not the contract)\n", c, "decode", goOps, n, goOps/n, g.bytesPerOp, g.allocsPerOp)
	}
	fmt.Println()
	return nil
}

func runGo(corpus string, benchtime time.Duration) (map[string]goResult, error) {
	cmd := exec.Command("go", "test", "./reference", "-run", "^$", "-bench", "BenchmarkCorpus", "-benchmem", "-benchtime", benchtime.String())
	cmd.Env = append(os.Environ(), "SIOTEST_CORPUS="+corpus)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test -bench: %v\n%s", err, out)
	}
	res := map[string]goResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[4], 64)
		b, _ := strconv.ParseFloat(m[5], 64)
		a, _ := strconv.ParseFloat(m[6], 64)
		key := m[2] + "/" + m[3]
		if m[1] != "" {
			key += "-inplace"
		}
		res[key] = goResult{ns, b, a}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no BenchmarkCorpus results in:\n%s", out)
	}
	return res, nil
}

func runNode(corpus string, benchtime time.Duration) (map[string]float64, string, error) {
	cmd := exec.Command("node", filepath.Join("fixtures", "node", "bench-codec.js"), corpus, strconv.FormatFloat(benchtime.Seconds(), 'f', -1, 64))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("node bench-codec.js: %v (run ./fixtures/install.sh?)", err)
	}
	var r struct {
		Node    string
		Results []struct {
			Case, Op  string
			OpsPerSec float64
		}
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, "", err
	}
	res := map[string]float64{}
	for _, x := range r.Results {
		res[x.Case+"/"+x.Op] = x.OpsPerSec
	}
	return res, r.Node, nil
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "?"
	}
	return string(bytes.TrimSpace(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchcmp:", err)
	os.Exit(1)
}
