#!/bin/sh
# Toy "simulation": a deterministic table of events for one mass point.
mass=$1; width=$2; n=$3
awk -v m="$mass" -v w="$width" -v n="$n" 'BEGIN {
  print "event,mtt,weight"
  for (i = 0; i < n; i++) {
    x = m * (1 + w * ((i * 7919) % 1000 - 500) / 500)
    printf "%d,%.3f,%.4f\n", i, x, (i % 5 == 0 ? -1 : 1) / n
  }
}'
