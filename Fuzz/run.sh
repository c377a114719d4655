#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets (address sanitizer, coverage) in .build-fuzz and runs
# each for FUZZ_SECONDS, one after another, on one core each.
#
#   FUZZ_SECONDS=60          how long each target runs
#   FUZZ_TARGETS="..."       which targets (default: all four)
#   FUZZ_ARGS="..."          more libFuzzer flags (e.g. -max_len=65536)
#
# Seeds are made afresh from the repository (Fuzz/make-seeds.sh); the corpus each target grows
# stays in .build-fuzz/corpus/<target> for the next run. An input that crashes, hangs (FUZZ_TIMEOUT
# seconds) or runs out of memory is written to Fuzz/crashes/<target>/ and fuzzing goes on.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-30}
FUZZ_TARGETS=${FUZZ_TARGETS:-"input-decoding rule-file configuration push-body"}
FUZZ_ARGS=${FUZZ_ARGS:-}
SCRATCH=.build-fuzz
# Swift's own crash backtracer reads memory that AddressSanitizer reserves, and crashes itself;
# libFuzzer and the sanitizer report crashes.
export SWIFT_BACKTRACE=enable=no

# input-decoding → InputDecodingFuzzer
product() { echo "$1" | sed -E 's/(^|-)([a-z])/\U\2/g; s/$/Fuzzer/'; }
# Binary targets read a header before the payload; YAML targets read text.
dictionary() { case "$1" in rule-file|configuration) echo Fuzz/dictionaries/yaml.dict ;; *) echo Fuzz/dictionaries/json.dict ;; esac; }
# Inputs of a few kilobytes: a sample file or a gzip member whole, and still fast to run.
MAX_LEN=8192

for target in $FUZZ_TARGETS; do
    # Release: the sanitizers slow code enough without also giving up the optimizer.
    KEYWATCH_FUZZ=1 "$SWIFT" build -c release --scratch-path "$SCRATCH" --manifest-cache none \
        --product "$(product "$target")" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
done

Fuzz/make-seeds.sh "$SCRATCH/seeds"
bin=$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)

for target in $FUZZ_TARGETS; do
    corpus=$SCRATCH/corpus/$target
    crashes=Fuzz/crashes/$target
    mkdir -p "$corpus" "$crashes"
    echo "== $target: ${FUZZ_SECONDS}s, corpus $corpus, crashes in $crashes/"
    # -fork=1 runs the target in a child process and starts another after a crash, a hang or an
    # out-of-memory, so one run collects every kind of bug it meets instead of stopping at the first.
    "$bin/$(product "$target")" "$corpus" "$SCRATCH/seeds/$target" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 \
        -max_len="$MAX_LEN" -dict="$(dictionary "$target")" \
        -artifact_prefix="$crashes/" -print_final_stats=1 $FUZZ_ARGS \
        2>&1 | tee "$SCRATCH/$target.log" | grep -E '^(#|INFO: fuzzed|stat::|==[0-9]+== ?ERROR|.*(crash|timeout|oom)-)' || true
done

echo "crashes (Fuzz/README.md says how to make each a regression test):"
find Fuzz/crashes -type f | sort
