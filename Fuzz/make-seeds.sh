#!/usr/bin/env bash
# Makes the seed corpus of each fuzz target in $1/<target>/ from files of the repository: the
# sample logs, the external samples of the test fixtures, the rules, and Fuzz/seeds/.
#
# The binary targets (input-decoding, push-body) read a 4-byte header before the payload
# (Fuzz/Entries/FuzzInput.swift); each sample gets a few headers, one per way of feeding it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: make-seeds.sh DIR}
rm -rf "$out"
mkdir -p "$out"/{input-decoding,push-body,rule-file,configuration}

samples=$(find sample-logs Tests/Fixtures/external-samples rules/tests \
    -type f \( -name '*.json' -o -name '*.jsonl' -o -name '*.log' -o -name '*.gz' \) | sort)

# seed TARGET HEADER-HEX FILE: the header's bytes, then the file's.
seed() {
    local name
    name=$(echo "$3" | tr '/=' '__' | tail -c 120)
    { printf "$(echo "$2" | sed 's/../\\x&/g')"; head -c 30000 "$3"; } > "$out/$1/$2-$name"
}

for file in $samples; do
    # input-decoding: byte 0 picks the path (0 stream, 1 file, 2 gzipped, 3 stream without
    # offsets; +4 small limits, +8 JSON required), bytes 1-2 piece sizes, byte 3 limits or level.
    for header in 00000000 01100300 02053006 03400100 04070203 0d010110; do
        seed input-decoding "$header" "$file"
    done
    # push-body: byte 0 (0 plain, 1 gzip as given, 2 gzipped here), bytes 1-2 pieces, byte 3 the limit.
    case "$file" in
        *.gz) headers="01200100 01ff0200 01030340" ;;
        *) headers="00000000 00100380 02050a00 00ff0010" ;;
    esac
    for header in $headers; do seed push-body "$header" "$file"; done
done

for file in rules/*.yaml Fuzz/seeds/rule-file/*.yaml; do
    [ -f "$file" ] && cp "$file" "$out/rule-file/$(basename "$file")"
done
for file in Fuzz/seeds/configuration/*.yaml; do
    cp "$file" "$out/configuration/$(basename "$file")"
done
echo "seeds: $(for t in "$out"/*; do echo -n "$(basename "$t") $(ls "$t" | wc -l)  "; done)"
