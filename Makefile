# keywatch — build, run, test, benchmark.
#   make run    build, then run the daemon on sample-logs/ (embedded defaults): alerts on stdout; Ctrl-C stops it
#   make test   build and run every test
#   make bench  speed and memory on a generated 600k-event corpus (see bench/README.md)
#   make fuzz   libFuzzer on the decoders and parsers, FUZZ_SECONDS (60) per target (see Fuzz/README.md)

SWIFT ?= swift
PACKAGES := libsqlite3-dev zlib1g-dev libzstd-dev libdeflate-dev libcurl4-openssl-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KEYWATCH := .build/release/keywatch

.PHONY: all deps test-deps build run test bench fuzz samples clean

all: build

# Installs the C libraries keywatch links when any is missing (Debian/Ubuntu).
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The e-mail tests need a real SMTP server: aiosmtpd (PyPI), installed when missing.
test-deps: deps
	@python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet aiosmtpd \
		|| python3 -m pip install --quiet --break-system-packages aiosmtpd

# The Swift runtime is linked in: a command starts in about 20 ms instead of 35 (dynamic
# linking and conformance look-ups), most of what a `keywatch query` takes.
build: deps
	$(SWIFT) build -c release --static-swift-stdlib

# A fresh store each time, so the sample alerts show again.
run: build
	@rm -f keywatch.db keywatch.db-wal keywatch.db-shm
	$(KEYWATCH) run

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: build
	bench/run.sh

# Crashes go to Fuzz/crashes/<target>/; FUZZ_SECONDS, FUZZ_TARGETS and FUZZ_ARGS are passed on.
fuzz: deps
	SWIFT=$(SWIFT) Fuzz/run.sh

# Regenerates sample-logs/ from its generator (deterministic).
samples:
	python3 Tests/Fixtures/generate-sample-logs.py

clean:
	rm -rf .build .build-fuzz keywatch.db keywatch.db-wal keywatch.db-shm
