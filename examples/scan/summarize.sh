#!/bin/sh
# Sums the weights of each table and writes one line per input file.
for f in "$@"; do
  awk -F, -v f="$(basename "$f")" 'NR > 1 { s += $3 } END { printf "%s %.6f\n", f, s }' "$f"
done
