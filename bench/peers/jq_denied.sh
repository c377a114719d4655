#!/usr/bin/env bash
# The jq peer: the denied calls of the corpus — CloudTrail records with an errorCode (AccessDenied…)
# and Key Vault records answered 401/403 — written to stdout. Usage: jq_denied.sh CORPUS
set -euo pipefail
find "$1" -name '*_CloudTrail_*.json.gz' -print0 | xargs -0 zcat | jq -c '.Records[] | select(.errorCode != null and (.errorCode | test("AccessDenied|Unauthorized")))'
find "$1" -name 'PT1H.json' -print0 | xargs -0 cat | jq -c 'select(.properties.httpStatusCode == 403 or .properties.httpStatusCode == 401)'
