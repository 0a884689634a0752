#!/usr/bin/env bash
# Rebuilds the seed part of the corpora from the catalogue (cases/) and the schema
# snapshots (snapshots/). Seeds are named seed-*; files the fuzzer adds keep their hash
# names, so rerunning this never drops what fuzzing found.
set -euo pipefail
cd "$(dirname "$0")"
root=..

loader=corpus/case_loader
mkdir -p "$loader"
rm -f "$loader"/seed-*
for f in $(cd "$root" && find cases -name '*.yaml' | sort); do
    name=$(echo "$f" | tr '/' '_')
    case "$f" in
        cases/fixtures/*) role='\x01' ;;
        */operation.yaml) role='\x02' ;;
        *) role='\x00' ;;
    esac
    { printf "$role"; cat "$root/$f"; } > "$loader/seed-$name"
done

schema=corpus/schema
mkdir -p "$schema"
rm -f "$schema"/seed-*
for f in "$root"/snapshots/*.snap; do
    # A snapshot is a YAML header then the JSON Schema after the second `---`.
    awk 'n >= 2 {print} /^---$/ {n++}' "$f" > "$schema/seed-$(basename "$f" .snap).json"
done
