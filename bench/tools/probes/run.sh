#!/usr/bin/env bash
# Compiles the probes of this folder into a jar (child JVMs load the probe's Process classes from
# their class path, which must be jars only for the AOT cache) and runs one:
#   bench/tools/probes/run.sh CLASS ARGS...   e.g. run.sh WindowBudgetProbe 14 base=
# Needs the jars that ./mp4j builds (./mp4j --help builds them) and JDK 25 (MP4J_JAVA_HOME or
# /usr/lib/jvm/*25*). Scratch output goes to ${TMPDIR:-/tmp}/mp4j-probes.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
JDK="${MP4J_JAVA_HOME:-$(ls -d /usr/lib/jvm/*25* | head -1)}"
LIB="$ROOT/mp4j-cli/target/lib"
CP="$(ls "$LIB"/mp4j-core-*.jar "$LIB"/fory-core-*.jar "$LIB"/commons-compiler-*.jar "$LIB"/janino-*.jar | tr '\n' ':')"
OUT="${TMPDIR:-/tmp}/mp4j-probes"
rm -rf "$OUT" && mkdir -p "$OUT/classes"
"$JDK/bin/javac" -cp "$CP" -d "$OUT/classes" "$HERE"/*.java
"$JDK/bin/jar" cf "$OUT/probes.jar" -C "$OUT/classes" .
exec "$JDK/bin/java" --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  "-Dmp4j.home=$ROOT" -cp "$OUT/probes.jar:$CP" "$@"
