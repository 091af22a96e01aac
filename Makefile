# remedy-net: one cargo profile (release) for tests, demo and benchmarks, so
# RocksDB's C++ sources are compiled once.

CARGO ?= cargo
PROFILE_FLAGS = --release
BIN = $(or $(CARGO_TARGET_DIR),target)/release

.PHONY: all build test deps-check demo bench fuzz fmt lint clean-demo

all: build

build:
	$(CARGO) build $(PROFILE_FLAGS) --workspace --bins

# Python's gRPC client (grpcio, grpcio-reflection from PyPI) in a virtual
# environment beside the build, for the test that lists a node's services with
# a client nobody here wrote (needs Debian's python3-venv).
# Python's SDMX client (sdmx1) and feed parser (feedparser) too, for the tests
# that read the node's SDMX REST API, exported files and Atom feeds with them.
# The stamp names what is installed.
GRPC_PYTHON = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/grpc-venv/bin/python
PYTHON_STAMP = $(dir $(GRPC_PYTHON))../installed-grpcio-sdmx1-feedparser
$(PYTHON_STAMP):
	python3 -m venv $(dir $(GRPC_PYTHON)).. && $(dir $(GRPC_PYTHON))pip install -q grpcio grpcio-reflection sdmx1 feedparser && touch $@

# Every test: unit tests beside the code, integration tests that start real
# remedy-node processes, and the crash-consistency test.
test: build deps-check $(PYTHON_STAMP)
	REMEDY_GRPC_PYTHON=$(GRPC_PYTHON) $(CARGO) test $(PROFILE_FLAGS) --workspace --no-fail-fast

# The dependency rule of ARCHITECTURE.md: the command line is a client; it
# never links the node's crate, its store or its HTTP server.
deps-check:
	@if $(CARGO) tree -p remedy-cli -e normal --prefix none | grep -E '^(remedy-node|rocksdb|librocksdb-sys|axum) '; then \
		echo "remedy-cli depends on the server side (above); see ARCHITECTURE.md, Crates"; exit 1; \
	else echo "deps-check: remedy-cli links neither remedy-node, RocksDB nor axum"; fi

# The main job: see README.md for what it does today.
demo: build
	$(BIN)/remedy demo

# Writes BENCHMARKS.md. `make bench BENCH_ARGS=--quick` for a fast smoke run.
bench: build
	$(CARGO) run $(PROFILE_FLAGS) -p remedy-tests --bin remedy-bench -- $(BENCH_ARGS)

# The decoders' fuzz tests with a long budget (make test runs 3,000 mutated
# inputs per decoder; this runs FUZZ_ITERATIONS of them).
FUZZ_ITERATIONS ?= 1000000
fuzz:
	REMEDY_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) $(CARGO) test $(PROFILE_FLAGS) -p remedy-core --test fuzz_decoders -- --nocapture
	REMEDY_FUZZ_ITERATIONS=$(FUZZ_ITERATIONS) $(CARGO) test $(PROFILE_FLAGS) -p remedy-cli without_panicking -- --nocapture

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy $(PROFILE_FLAGS) --workspace --all-targets -- -D warnings

clean-demo:
	rm -rf demo-run
