#!/usr/bin/env bash
# Detection's cost in instructions, reproducibly, and the alerts it raises — for a change to
# Sources/KeywatchCore/Detection, to compare a build before and after (see bench/README.md):
#   1. md5 of `keywatch ingest --format json` over the bench corpus (cwd = the repository,
#      `--rules rules`: alerts carry rule_file, so the rules path is part of the md5),
#   2. md5 of `keywatch ingest --format json sample-logs` with the default rules,
#   3. callgrind (--separate-threads=yes) of the same ingest over a fixed subset of the corpus
#      (every file of its first two days: CloudTrail and Key Vault, two days so the spike rules
#      have a baseline): instructions of the detection thread (DetectionEngine.process with its
#      sweep, and rendering the alerts' JSON), and of the whole process.
#
# Usage: bench/detection-instructions.sh BINARY [REPO]
#   BINARY  a release build of keywatch (copied and strip --strip-debug'ed for valgrind 3.19)
#   REPO    the checkout whose rules/ and sample-logs/ are used (default: this one)
# Env: CORPUS (default REPO/bench/.corpus/logs, made by `make bench`), SKIP_CALLGRIND=1, KEEP=1 (keep the work dir).
set -euo pipefail

binary=$(readlink -f "${1:?usage: bench/detection-instructions.sh BINARY [REPO]}")
repo=$(readlink -f "${2:-$(dirname "$0")/..}")
corpus=$(readlink -f "${CORPUS:-$repo/bench/.corpus/logs}")
subset=$repo/bench/.work/detection-subset/logs
work=$(mktemp -d /tmp/kw-measure.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

echo "binary: $binary (md5 $(md5sum < "$binary" | cut -c1-8))"
echo "repo: $repo at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')" \
     "(rules tree $(git -C "$repo" rev-parse --short HEAD:rules 2>/dev/null || echo '?')," \
     "sample-logs tree $(git -C "$repo" rev-parse --short HEAD:sample-logs 2>/dev/null || echo '?'))"
echo "corpus: $corpus ($(find -L "$corpus" -type f | wc -l) files)"

# ingest NAME ARGS...: a fresh store, cwd = repo; prints the md5 of stdout, exit status, wall seconds.
ingest() {
    local name=$1; shift
    rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"
    local start end rc=0
    start=$(date +%s.%N)
    (cd "$repo" && "$binary" ingest --db "$work/$name.db" "$@" --format json) > "$work/$name.json" 2> "$work/$name.err" || rc=$?
    end=$(date +%s.%N)
    printf '%s md5: %s  (exit %s, %s alerts, %.2f s wall)\n' "$name" "$(md5sum < "$work/$name.json" | cut -d' ' -f1)" \
        "$rc" "$(wc -l < "$work/$name.json")" "$(echo "$end - $start" | bc)"
    sed 's/^/    /' "$work/$name.err"
}

ingest corpus --rules rules "$corpus"
ingest sample-logs sample-logs

# The subset: a tree of links to the corpus's day-01/02 files, so ingest orders them by time as it
# orders the corpus (files named on the command line are taken in argument order).
if [ ! -d "$subset" ]; then
    (cd "$corpus" && find -L . -type f | grep -E '/2026/11/0[12]/|/d=0[12]/' | sort) | while read -r file; do
        mkdir -p "$subset/$(dirname "$file")"
        ln -s "$corpus/${file#./}" "$subset/$file"
    done
fi
echo "subset: $subset ($(find "$subset" -type l | wc -l) files, list md5 $(cd "$subset" && find . -type l | sort | md5sum | cut -c1-8))"
ingest subset --rules rules "$subset"

[ "${SKIP_CALLGRIND:-0}" = 1 ] && exit 0

cp "$binary" "$work/kw" && strip --strip-debug "$work/kw"
rm -f "$work/cg.db" "$work/cg.db-wal" "$work/cg.db-shm"
start=$(date +%s)
(cd "$repo" && valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/callgrind.out.%p" \
    "$work/kw" ingest --db "$work/cg.db" --rules rules --format json "$subset") > "$work/cg.json" 2> "$work/cg.err" || true
end=$(date +%s)
echo "callgrind: $((end - start)) s wall; its output md5 $(md5sum < "$work/cg.json" | cut -c1-32)"

group() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
total=0
detection=0
for file in "$work"/callgrind.out.*-*; do
    count=$(sed -n 's/^summary: //p' "$file")
    total=$((total + count))
    role=other
    # In ingest only detection runs on libdispatch (DetectionStage's InFlightDetection queue).
    if grep -q '_dispatch_worker_thread' "$file"; then role=detection; detection=$((detection + count))
    elif grep -q 'BatchWriterC5drain' "$file"; then role=writer
    elif grep -q 'keywatch_main' "$file"; then role=main
    elif grep -q 'WALCheckpointer' "$file"; then role=checkpointer
    fi
    printf '  thread %s (%s): %s\n' "${file##*-}" "$role" "$(group "$count")"
    if [ "$role" = detection ]; then
        callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null \
          | grep -E 'DetectionEngineC7process_|RenderedAlertChangesV.*cfC \[|DetectionEngineC5sweep' \
          | awk '{ name = $3; sub(/^\?\?\?:/, "", name); printf "    inclusive %s  %s\n", $1, substr(name, 1, 90) }'
    fi
done
printf 'detection-thread instructions: %s\n' "$(group "$detection")"
printf 'all threads: %s\n' "$(group "$total")"
echo "callgrind files: $work (kept with KEEP=1)"
