#!/usr/bin/env bash
# Local Neo4j Community 5.26 LTS + OpenGDS 2.13 server, assembled from Maven Central jars
# (scripts/neo4j/pom.xml) -- no Docker, no tarball download, nothing binary in the repo.
#
#   scripts/neo4j-local.sh install   fetch jars (cached in ~/.m2) into $KGEXPR_NEO4J_HOME/{lib,plugins}
#   scripts/neo4j-local.sh start     write conf, set the initial password, launch, wait for Bolt
#   scripts/neo4j-local.sh stop      SIGTERM, wait, SIGKILL after NEO4J_STOP_TIMEOUT
#   scripts/neo4j-local.sh status    prints running/stopped; exit 0 when running, 3 when stopped
#
# Environment:
#   NEO4J_PASSWORD        required by start (first start sets it as the initial 'neo4j' password;
#                         Neo4j wants >= 8 characters). Later starts reuse the stored one.
#   NEO4J_BOLT_PORT       Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_HTTP_PORT       HTTP port on 127.0.0.1 (default 7474; 0 or "off" disables HTTP)
#   NEO4J_HEAP            JVM heap, -Xms = -Xmx (default 1g)
#   NEO4J_PAGECACHE       server.memory.pagecache.size (default 512m)
#   NEO4J_START_TIMEOUT   seconds to wait for Bolt (default 120)
#   NEO4J_STOP_TIMEOUT    seconds to wait after SIGTERM before SIGKILL (default 60)
#   KGEXPR_NEO4J_HOME     server home (default $HOME/.cache/kgexpr/neo4j-5.26)
#   KGEXPR_MVN_ARGS       extra Maven arguments for install (e.g. "-o" or "-Dmaven.repo.local=...")
#   NEO4J_JAVA_OPTS       extra JVM options for the server (word-split)
#   JAVA_HOME / MVN       java (17 or 21) and mvn to use (default: from PATH)
#
# Extra neo4j.conf lines can go in $KGEXPR_NEO4J_HOME/conf/neo4j-local.conf (appended, so they win).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/neo4j/pom.xml"
N4J_HOME="${KGEXPR_NEO4J_HOME:-$HOME/.cache/kgexpr/neo4j-5.26}"
BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
HTTP_PORT="${NEO4J_HTTP_PORT:-7474}"
HEAP="${NEO4J_HEAP:-1g}"
PAGECACHE="${NEO4J_PAGECACHE:-512m}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-60}"
MVN="${MVN:-mvn}"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

LIB="$N4J_HOME/lib"
PLUGINS="$N4J_HOME/plugins"
CONF_DIR="$N4J_HOME/conf"
RUN_DIR="$N4J_HOME/run"
LOG_DIR="$N4J_HOME/logs"
PID_FILE="$RUN_DIR/neo4j.pid"
CONSOLE_LOG="$LOG_DIR/console.log"
STAMP="$LIB/.kgexpr-installed"
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"   # in org.neo4j:neo4j
ADMIN_CLASS="org.neo4j.cli.AdminTool"                # neo4j-admin, in org.neo4j:neo4j-command-line

[[ "$BOLT_PORT" =~ ^[0-9]+$ ]] || { echo "neo4j-local: NEO4J_BOLT_PORT must be a number" >&2; exit 2; }
[[ "$HTTP_PORT" =~ ^([0-9]+|off|false|no)$ ]] || { echo "neo4j-local: NEO4J_HTTP_PORT must be a number or off" >&2; exit 2; }

die() { echo "neo4j-local: $*" >&2; exit 1; }
say() { echo "neo4j-local: $*"; }

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (need Java 17 or 21; set JAVA_HOME)"
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')"
  case "$v" in
    17|21) ;;
    *) die "Neo4j 5.26 needs Java 17 or 21, found '${v:-unknown}' ($JAVA)";;
  esac
}

installed() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(pom_hash)" ]; }

cmd_install() {
  command -v "$MVN" >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  check_java
  [ -f "$POM" ] || die "missing $POM"
  mkdir -p "$N4J_HOME"
  local stage="$N4J_HOME/.stage.$$"
  rm -rf "$stage"
  # shellcheck disable=SC2064
  trap "rm -rf '$stage'" EXIT
  say "resolving Neo4j + OpenGDS jars from Maven Central (cached in ~/.m2) ..."
  local t0=$SECONDS
  # prependGroupId lets us split org.neo4j.gds (the plugin) from the server's own lib/;
  # sed drops the bare colour-reset codes Debian's Maven prints even with -B.
  # shellcheck disable=SC2086
  "$MVN" -q -B -Dstyle.color=never -f "$POM" ${KGEXPR_MVN_ARGS:-} dependency:copy-dependencies \
      -DincludeScope=runtime -Dmdep.prependGroupId=true -DoutputDirectory="$stage/all" 2>&1 \
    | sed 's/\x1b\[[0-9;]*m//g' \
    || die "mvn dependency:copy-dependencies failed (see output above)"
  mkdir -p "$stage/lib" "$stage/plugins"
  local f n=0 p=0
  for f in "$stage/all"/*.jar; do
    case "$(basename "$f")" in
      org.neo4j.gds.*) mv "$f" "$stage/plugins/"; p=$((p + 1));;
      *) mv "$f" "$stage/lib/"; n=$((n + 1));;
    esac
  done
  [ "$p" -gt 0 ] && [ -n "$(find "$stage/lib" -name 'org.neo4j.neo4j-5.*.jar' -print -quit)" ] \
    || die "unexpected dependency set in $stage (no GDS or no org.neo4j:neo4j jar)"
  if status_pid >/dev/null; then die "server is running; stop it before reinstalling"; fi
  rm -rf "$LIB" "$PLUGINS"
  mv "$stage/lib" "$LIB"
  mv "$stage/plugins" "$PLUGINS"
  rm -rf "$stage"
  trap - EXIT
  pom_hash > "$STAMP"
  say "installed $n server jars in $LIB and $p GDS jars in $PLUGINS ($((SECONDS - t0)) s, $(du -sh "$N4J_HOME" | cut -f1) home)"
}

# Prints the pid and returns 0 when our server process is alive.
status_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: the process must be our Neo4j entry point
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

# Bolt handshake: magic 0x6060B017 + one proposal "5.0..5.8"; a non-zero 4-byte reply means ready.
bolt_ready() {
  local reply
  reply="$(timeout 3 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$BOLT_PORT"' || exit 1
    printf "\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" >&3
    head -c 4 <&3 | od -An -tx1 | tr -d " \n"
  ' 2>/dev/null)" || return 1
  [ -n "$reply" ] && [ "$reply" != "00000000" ]
}

write_conf() {
  mkdir -p "$CONF_DIR" "$RUN_DIR" "$LOG_DIR" "$N4J_HOME/data" "$N4J_HOME/import"
  local http
  case "$HTTP_PORT" in
    0|off|false|no) http="server.http.enabled=false";;
    *) http="server.http.enabled=true
server.http.listen_address=127.0.0.1:$HTTP_PORT
server.http.advertised_address=127.0.0.1:$HTTP_PORT";;
  esac
  cat > "$CONF_DIR/neo4j.conf" <<EOF
# Written by scripts/neo4j-local.sh on every start; put overrides in neo4j-local.conf.
server.directories.data=$N4J_HOME/data
server.directories.logs=$LOG_DIR
server.directories.plugins=$PLUGINS
server.directories.lib=$LIB
server.directories.run=$RUN_DIR
server.directories.import=$N4J_HOME/import
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$BOLT_PORT
server.bolt.advertised_address=127.0.0.1:$BOLT_PORT
server.bolt.tls_level=DISABLED
$http
server.https.enabled=false
server.memory.heap.initial_size=$HEAP
server.memory.heap.max_size=$HEAP
server.memory.pagecache.size=$PAGECACHE
dbms.security.auth_enabled=true
dbms.security.procedures.unrestricted=gds.*
dbms.usage_report.enabled=false
EOF
  if [ -f "$CONF_DIR/neo4j-local.conf" ]; then
    { echo "# --- from neo4j-local.conf"; cat "$CONF_DIR/neo4j-local.conf"; } >> "$CONF_DIR/neo4j.conf"
  fi
}

# Runs java with arguments taken from a 0600 @argfile, so the password never shows in `ps`.
java_argfile() {
  local argfile
  argfile="$(mktemp "$RUN_DIR/args.XXXXXX")"
  chmod 600 "$argfile"
  local a esc
  for a in "$@"; do
    esc="${a//\\/\\\\}"
    esc="${esc//\"/\\\"}"
    printf '"%s"\n' "$esc" >> "$argfile"
  done
  local rc=0
  NEO4J_HOME="$N4J_HOME" NEO4J_CONF="$CONF_DIR" "$JAVA" "@$argfile" || rc=$?
  rm -f "$argfile"
  return "$rc"
}

set_initial_password() {
  if [ -d "$N4J_HOME/data/databases/system" ]; then
    # Neo4j only honours an initial password before the first start; later starts keep the
    # stored one (delete $N4J_HOME/data to start over with a new NEO4J_PASSWORD).
    return 0
  fi
  case "$NEO4J_PASSWORD" in *$'\n'*) die "NEO4J_PASSWORD must not contain a newline";; esac
  say "setting the initial password for user 'neo4j'"
  java_argfile -cp "$LIB/*" "$ADMIN_CLASS" dbms set-initial-password "$NEO4J_PASSWORD" > "$LOG_DIR/set-initial-password.log" 2>&1 \
    || { cat "$LOG_DIR/set-initial-password.log" >&2; die "set-initial-password failed (Neo4j requires >= 8 characters)"; }
}

show_logs() {
  local f
  for f in "$CONSOLE_LOG" "$LOG_DIR/neo4j.log"; do
    [ -s "$f" ] && { echo "---- last lines of $f" >&2; tail -n 30 "$f" >&2; }
  done
  [ -s "$LOG_DIR/debug.log" ] && { echo "---- errors in $LOG_DIR/debug.log" >&2; grep -E ' (ERROR|WARN) ' "$LOG_DIR/debug.log" | tail -n 15 >&2 || true; }
  return 0
}

cmd_start() {
  local pid
  if pid="$(status_pid)"; then
    say "already running (pid $pid): bolt://127.0.0.1:$BOLT_PORT"
    return 0
  fi
  [ -n "${NEO4J_PASSWORD:-}" ] || die "NEO4J_PASSWORD is not set (export NEO4J_PASSWORD=..., at least 8 characters)"
  check_java
  if (exec 3<>"/dev/tcp/127.0.0.1/$BOLT_PORT") 2>/dev/null; then
    die "port $BOLT_PORT on 127.0.0.1 is already in use by another process (set NEO4J_BOLT_PORT)"
  fi
  if ! installed; then cmd_install; fi
  write_conf
  set_initial_password
  rm -f "$PID_FILE"
  local t0
  t0="$(date +%s%N)"
  # Same JVM options as the stock neo4j launcher / default neo4j.conf for Java 17/21.
  (
    cd "$N4J_HOME"
    export NEO4J_HOME="$N4J_HOME" NEO4J_CONF="$CONF_DIR"
    # own session, so closing the terminal does not take the server down; setsid would fork
    # (and change the pid) if this subshell led its process group, so fall back to nohup then
    detach=(nohup)
    if command -v setsid >/dev/null 2>&1 && [ "$(awk '{print $5}' "/proc/$BASHPID/stat" 2>/dev/null)" != "$BASHPID" ]; then
      detach=(setsid)
    fi
    exec "${detach[@]}" "$JAVA" \
      -Xms"$HEAP" -Xmx"$HEAP" \
      -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC -XX:+ExitOnOutOfMemoryError \
      -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
      -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true \
      -Djdk.tls.ephemeralDHKeySize=2048 -Djdk.tls.rejectClientInitiatedRenegotiation=true \
      -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 \
      --add-opens=java.base/java.nio=ALL-UNNAMED \
      --add-opens=java.base/java.io=ALL-UNNAMED \
      --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
      ${NEO4J_JAVA_OPTS:-} \
      -cp "$LIB/*:$PLUGINS/*" \
      "$MAIN_CLASS" --home-dir="$N4J_HOME" --config-dir="$CONF_DIR"
  ) < /dev/null > "$CONSOLE_LOG" 2>&1 &
  pid=$!
  echo "$pid" > "$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      show_logs
      die "Neo4j exited during startup"
    fi
    if bolt_ready; then break; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_logs
      say "Bolt did not answer within ${START_TIMEOUT}s; stopping the half-started server" >&2
      cmd_stop >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  local ms=$((($(date +%s%N) - t0) / 1000000))
  say "started (pid $pid) in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s; logs in $LOG_DIR"
  say "bolt://127.0.0.1:$BOLT_PORT  (user neo4j, password from NEO4J_PASSWORD)"
  echo "NEO4J_URI=bolt://127.0.0.1:$BOLT_PORT"
}

cmd_stop() {
  local pid
  if ! pid="$(status_pid)"; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  say "stopping pid $pid ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "still alive after ${STOP_TIMEOUT}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local pid
  if pid="$(status_pid)"; then
    if bolt_ready; then
      echo "running (pid $pid): bolt://127.0.0.1:$BOLT_PORT"
    else
      echo "running (pid $pid), Bolt on port $BOLT_PORT not answering yet"
    fi
    return 0
  fi
  echo "stopped"
  return 3
}

case "${1:-}" in
  install) cmd_install;;
  start) cmd_start;;
  stop) cmd_stop;;
  status) cmd_status;;
  restart) cmd_stop; cmd_start;;
  *) echo "usage: $0 install|start|stop|status|restart" >&2; exit 2;;
esac
