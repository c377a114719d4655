#!/usr/bin/env bash
# The floor: only reading the corpus — zcat of the CloudTrail files, cat of the Key Vault blobs. Usage: floor.sh CORPUS
set -euo pipefail
find "$1" -name '*_CloudTrail_*.json.gz' -print0 | xargs -0 zcat > /dev/null
find "$1" -name 'PT1H.json' -print0 | xargs -0 cat > /dev/null
