#!/usr/bin/env bash
# Start an in-process Neo4j 5.26 (neo4j-harness) with Bolt on 127.0.0.1.
# Usage: tools/neo4j-server/start.sh [--port N] [--data-dir DIR] [--no-stdin]
# Prints "NEO4J READY bolt://127.0.0.1:PORT" on stdout when ready; all else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/target"
stamp="$target/.build-stamp"

needs_build() {
    [[ -f "$stamp" && -d "$target/classes" && -d "$target/lib" ]] || return 0
    [[ -n "$(find "$here/pom.xml" "$here/src" -newer "$stamp" -print -quit)" ]]
}

if needs_build; then
    mkdir -p "$target"
    # Serialise concurrent builds (e.g. two test sessions starting at once).
    exec 9>"$target/.build.lock"
    flock 9
    if needs_build; then
        echo "neo4j-server: building with Maven (first run downloads Neo4j jars)..." >&2
        touch "$target/.build-start"
        (cd "$here" && mvn -q -B package -DskipTests) >&2
        mv "$target/.build-start" "$stamp"
    fi
    flock -u 9
    exec 9>&-
fi

# A private temp dir: Neo4j leaves temp files behind; the server deletes this dir on shutdown.
tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/policykg-neo4j.XXXXXX")"

exec java \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/java.io=ALL-UNNAMED \
    -Xmx1g \
    -Djava.io.tmpdir="$tmp_dir" \
    -Dneo4jserver.deleteTmpDir=true \
    ${NEO4J_SERVER_JAVA_OPTS:-} \
    -cp "$target/classes:$target/lib/*" \
    org.policykg.neo4jserver.Neo4jServer "$@"
