# siotest build, test, fuzz and benchmark entry points.
GO        ?= go
FUZZTIME  ?= 10m
BENCHTIME ?= 1s
# make bench: measured interval of each server scenario, runs per target
# (the best is kept), and which tables.
SERVER_BENCHTIME ?= 5s
SERVER_RUNS ?= 2
BENCH_TABLES ?= codec,server,suite
FUZZ_TARGETS := FuzzEIOPacket FuzzEIOPayload FuzzSIOPacket FuzzSIOStream FuzzSIORoundTrip FuzzDifferentialSIO FuzzEIO3Payload
FUZZ_TARGETS += FuzzSIO4Packet FuzzSIO4RoundTrip FuzzMsgpackValue FuzzMsgpackPacket FuzzMsgpackRoundTrip

.PHONY: all build test test-short fuzz fuzz-differential fuzz-smoke bench vectors seeds deps vet
.PHONY: test-cluster

all: build

build:
	$(GO) build -o bin/siotest ./cmd/siotest

deps:
	./fixtures/install.sh

vet:
	$(GO) vet ./...

# The whole test suite: codec against the oracle vectors, properties, fuzz
# seeds, CLI, server and real clients, conformance suite.
test: vet
	$(GO) test -count=1 ./...

test-short:
	$(GO) test -short ./...

# Multi-node clusters over a private Redis (server-behaviour.md SRV-MN-*):
# Node+Node, Go+Go and Node+Go pass the cluster checks, clusters without an
# adapter fail them; the Go Redis adapter and the Node one answer each
# other's cross-node requests. Installs Debian's redis-server when missing.
test-cluster:
	./fixtures/cluster/redis.sh --install-only
	SIOTEST_CLUSTER=1 $(GO) test -count=1 -run '^(TestCluster|TestNodeInterop)$$' -v ./cmd/siotest ./reference/server/redisadapter

# Long native fuzzing runs, one target after the other (FUZZTIME each).
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "== $$t ($(FUZZTIME))"; \
		$(GO) test ./fuzz -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2000x || exit 1; \
	done

# Differential fuzzing against the official parsers in Node, for FUZZTIME.
fuzz-differential:
	$(GO) test ./fuzz -run '^TestDifferential$$' -v -diff.time $(FUZZTIME)

# A count, not a duration: Go 1.26's fuzz coordinator can report a bare
# "context deadline exceeded" when a duration runs out while a worker is
# busy (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
fuzz-smoke:
	$(MAKE) fuzz FUZZTIME=20000x

# Side by side with the official Node implementation, as ratio tables:
# codec ops/s, server CPU/memory/latency under internal/cmd/loadgen, and
# the wall time of a full siotest run (a few minutes in all).
bench:
	$(GO) run ./internal/cmd/benchcmp -benchtime $(BENCHTIME) -server-duration $(SERVER_BENCHTIME) -server-runs $(SERVER_RUNS) -tables $(BENCH_TABLES)

# Regenerate the oracle vectors with the official npm parsers, then the
# fuzz seed corpora derived from them.
vectors:
	cd fixtures/node && node gen-vectors.js
	cd fixtures/node && node gen-vectors-eio3.js
	cd fixtures/node && node gen-vectors-sio4.js
	cd fixtures/node && node gen-vectors-msgpack.js
	$(MAKE) seeds

seeds:
	$(GO) run fuzz/seeds_gen.go

# Every fixture with a profile in fixtures/profiles, side by side (siotest
# matrix): build/matrix/matrix.html, matrix.json, matrix.md. MATRIX_FLAGS
# go to siotest matrix (e.g. MATRIX_FLAGS="--label-filter area:hs").
.PHONY: matrix
matrix: build
	SIOTEST=$(CURDIR)/bin/siotest ./fixtures/matrix.sh build/matrix $(MATRIX_FLAGS)
