#!/usr/bin/env bash
# Local Neo4j Community 5.26 LTS + OpenGDS 2.13 server, assembled from Maven Central jars
# (scripts/neo4j/pom.xml) -- no Docker, no tarball download, nothing binary in the repo.
#
#   scripts/neo4j-local.sh install   fetch jars (cached in ~/.m2) into $KGEXPR_NEO4J_HOME/{lib,plugins}
#   scripts/neo4j-local.sh start     write conf, set the initial password, launch, wait until it is usable
#   scripts/neo4j-local.sh stop      SIGTERM, wait, SIGKILL after NEO4J_STOP_TIMEOUT
#   scripts/neo4j-local.sh status    prints running/stopped (+ the Browser URL); exit 0 when running, 3 when stopped
#
# start refuses to launch when the Bolt or HTTP port on 127.0.0.1 is already taken. It prints
# "started" only once, within NEO4J_START_TIMEOUT: Bolt answers a handshake; with HTTP on, the
# Neo4j Browser answers 200 at http://127.0.0.1:$NEO4J_HTTP_PORT/browser/ and GDS answers
# `RETURN gds.version()` over the HTTP transactional API (as neo4j/$NEO4J_PASSWORD). With HTTP off
# nothing here speaks Cypher, so start only notes whether neo4j.log says the GDS extension was
# built (it does not fail on it). If a check fails it prints one line saying what is missing plus
# the log tails, stops the half-started server and exits 1.
#
# Environment:
#   NEO4J_PASSWORD        required by start (first start sets it as the initial 'neo4j' password;
#                         Neo4j wants >= 8 characters). Later starts reuse the stored one.
#   NEO4J_BOLT_PORT       Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_HTTP_PORT       HTTP port on 127.0.0.1 (default 7474; 0 or "off" disables HTTP)
#   NEO4J_HEAP            JVM heap, -Xms = -Xmx (default 1g)
#   NEO4J_PAGECACHE       server.memory.pagecache.size (default 512m)
#   NEO4J_START_TIMEOUT   seconds to wait for Bolt, the Browser and GDS, all together (default 120)
#   NEO4J_STOP_TIMEOUT    seconds to wait after SIGTERM before SIGKILL (default 60)
#   KGEXPR_NEO4J_HOME     server home (default $HOME/.cache/kgexpr/neo4j-5.26)
#   KGEXPR_MVN_ARGS       extra Maven arguments for install (e.g. "-o" or "-Dmaven.repo.local=...")
#   NEO4J_JAVA_OPTS       extra JVM options for the server (word-split)
#   JAVA_HOME / MVN       java (17 or 21) and mvn to use (default: from PATH)
#   CURL                  curl for start's HTTP checks (default: from PATH; without it bash's /dev/tcp)
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
CURL="${CURL:-curl}"
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

http_enabled() { case "$HTTP_PORT" in 0|off|false|no) return 1;; esac; return 0; }
BROWSER_URL="http://127.0.0.1:$HTTP_PORT/browser/"

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
      && [ -n "$(find "$stage/lib" -name 'org.neo4j.client.neo4j-browser-*.jar' -print -quit)" ] \
    || die "unexpected dependency set in $stage (no GDS, org.neo4j:neo4j or neo4j-browser jar)"
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

# HTTP status code of GET http://127.0.0.1:$HTTP_PORT$1 ("000" when nothing answers).
http_code() {
  if command -v "$CURL" >/dev/null 2>&1; then
    "$CURL" -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HTTP_PORT$1" 2>/dev/null || true
    return 0
  fi
  local line=""
  line="$( (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || exit 1
            printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" "$HTTP_PORT" >&3
            IFS= read -r -t 5 line <&3 && printf '%s' "$line") 2>/dev/null)" || true
  [[ "$line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" || echo 000
}

# POSTs the JSON $2 to http://127.0.0.1:$HTTP_PORT$1 as neo4j/$NEO4J_PASSWORD; prints the HTTP
# code on the first line and the body after it. The password goes to curl through a config on
# stdin (or, without curl, down the socket of a forked subshell), never on a command line.
http_post_auth() {
  if command -v "$CURL" >/dev/null 2>&1; then
    local pw="${NEO4J_PASSWORD//\\/\\\\}"
    pw="${pw//\"/\\\"}"
    printf 'user = "neo4j:%s"\n' "$pw" \
      | "$CURL" -s -K - --max-time 10 -H 'Content-Type: application/json' -H 'Accept: application/json' \
          --data-binary "$2" -w '\n%{http_code}' "http://127.0.0.1:$HTTP_PORT$1" 2>/dev/null \
      | { body="$(cat)"; printf '%s\n%s\n' "${body##*$'\n'}" "${body%$'\n'*}"; } || true
    return 0
  fi
  local auth
  auth="$(printf 'neo4j:%s' "$NEO4J_PASSWORD" | base64 -w0)"
  ( exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || exit 1
    printf 'POST %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
      "$1" "$HTTP_PORT" "$auth" "${#2}" "$2" >&3
    local line code="" body="" inbody=0
    while IFS= read -r -t 10 line || [ -n "$line" ]; do
      line="${line%$'\r'}"
      if [ -z "$code" ]; then [[ "$line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && code="${BASH_REMATCH[1]}"
      elif [ "$inbody" = 1 ]; then body+="$line"
      elif [ -z "$line" ]; then inbody=1
      fi
    done <&3
    printf '%s\n%s\n' "${code:-000}" "$body" ) 2>/dev/null || echo 000
}

# The neo4j.conf value of setting $1 (last one wins), or $2.
conf_value() {
  local v
  v="$(sed -n "s/^[[:space:]]*${1//./\\.}[[:space:]]*=[[:space:]]*//p" "$CONF_DIR/neo4j.conf" 2>/dev/null | tail -n 1)"
  echo "${v:-$2}"
}

# A start check failed: log tails, one line saying what is missing, stop the server, exit 1.
abort_start() {
  show_logs
  say "$*" >&2
  say "stopping the half-started server" >&2
  cmd_stop >&2 || true
  exit 1
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
    if http_enabled; then say "browser $BROWSER_URL"; fi
    return 0
  fi
  [ -n "${NEO4J_PASSWORD:-}" ] || die "NEO4J_PASSWORD is not set (export NEO4J_PASSWORD=..., at least 8 characters)"
  check_java
  if (exec 3<>"/dev/tcp/127.0.0.1/$BOLT_PORT") 2>/dev/null; then
    die "port $BOLT_PORT on 127.0.0.1 is already in use by another process (set NEO4J_BOLT_PORT)"
  fi
  if http_enabled; then
    [ "$HTTP_PORT" != "$BOLT_PORT" ] || die "NEO4J_HTTP_PORT and NEO4J_BOLT_PORT are both $BOLT_PORT"
    if (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null; then
      die "HTTP port $HTTP_PORT on 127.0.0.1 is already in use by another process (set NEO4J_HTTP_PORT, or NEO4J_HTTP_PORT=off)"
    fi
  fi
  if ! installed; then cmd_install; fi
  write_conf
  set_initial_password
  rm -f "$PID_FILE"
  local t0 log_start
  t0="$(date +%s%N)"
  log_start="$(stat -c %s "$LOG_DIR/neo4j.log" 2>/dev/null || echo 0)"   # neo4j.log is appended to
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
      abort_start "Bolt did not answer on 127.0.0.1:$BOLT_PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  local gds=""
  if http_enabled; then
    wait_browser "$pid" "$deadline" "$log_start"
    gds="$(check_gds "$pid" "$deadline")" || exit 1
  fi
  local ms=$((($(date +%s%N) - t0) / 1000000))
  say "started (pid $pid) in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s; logs in $LOG_DIR"
  say "bolt://127.0.0.1:$BOLT_PORT  (user neo4j, password from NEO4J_PASSWORD)"
  if http_enabled; then
    say "browser $BROWSER_URL ; GDS $gds"
  elif grep -q 'Graph Data Science extension built' < <(tail -c +"$((log_start + 1))" "$LOG_DIR/neo4j.log" 2>/dev/null); then
    say "HTTP is off: no Browser; gds.version() not run (nothing here speaks Cypher without HTTP), but neo4j.log says the GDS extension was built"
  else
    say "HTTP is off: no Browser; GDS NOT checked (no gds.version() without HTTP) and neo4j.log does not mention the GDS extension" >&2
  fi
  echo "NEO4J_URI=bolt://127.0.0.1:$BOLT_PORT"
}

# Waits (until the start deadline $2) for the Browser at /browser/ to answer 200. A different
# settled answer (e.g. 404: no neo4j-browser jar in lib/) fails after 5 s rather than at the deadline.
# $3: the size of neo4j.log before this launch (its ERROR lines since then explain a failure).
wait_browser() {
  local pid="$1" deadline="$2" log_start="$3" code since="" why logerr
  while :; do
    kill -0 "$pid" 2>/dev/null || abort_start "Neo4j exited while starting its HTTP server (port $HTTP_PORT)"
    code="$(http_code /browser/)"
    [ "$code" = 200 ] && return 0
    case "$code" in
      000|503) since="";;
      *) [ -n "$since" ] || since=$SECONDS;;
    esac
    if [ "$SECONDS" -ge "$deadline" ] || { [ -n "$since" ] && [ $((SECONDS - since)) -ge 5 ]; }; then
      why="HTTP $code"
      [ "$code" = 000 ] && why="no HTTP answer on port $HTTP_PORT"
      if [ "$code" = 404 ] && [ -z "$(find "$LIB" -name 'org.neo4j.client.neo4j-browser-*.jar' -print -quit)" ]; then
        why="HTTP 404: no neo4j-browser jar in $LIB"
      fi
      # e.g. "Failed to start Neo4j on 127.0.0.1:7474: Address ... is already in use" when another
      # process took the port after the check above (then whatever it is answers /browser/)
      logerr="$(tail -c +"$((log_start + 1))" "$LOG_DIR/neo4j.log" 2>/dev/null | grep -m1 ' ERROR ' | sed 's/^.* ERROR *//' | head -c 300 || true)"
      [ -z "$logerr" ] || why="$why; neo4j.log: $logerr"
      abort_start "the Browser did not answer at $BROWSER_URL ($why)"
    fi
    sleep 0.5
  done
}

# Prints gds.version() (run over the HTTP transactional API), retrying transient errors until the
# start deadline $2; on failure aborts the start (in this subshell: the caller exits too).
check_gds() {
  local pid="$1" deadline="$2" db reply code body v err
  db="$(conf_value initial.dbms.default_database neo4j)"
  while :; do
    kill -0 "$pid" 2>/dev/null || abort_start "Neo4j exited before GDS could be checked"
    reply="$(http_post_auth "/db/$db/tx/commit" '{"statements":[{"statement":"RETURN gds.version() AS v"}]}')"
    code="${reply%%$'\n'*}"
    body="${reply#*$'\n'}"
    v="$(printf '%s' "$body" | sed -n 's/.*"row":\["\([^"]*\)".*/\1/p')"
    if [ "$code" = 200 ] && [ -n "$v" ]; then echo "$v"; return 0; fi
    err="$(printf '%s' "$body" | sed -n 's/.*"message":"\(\([^"\\]\|\\.\)*\)".*/\1/p' | head -c 300 || true)"
    err="${err%%\\n*}"          # first line of the JSON-escaped message
    err="${err//\\\"/\"}"
    case "$code" in
      401) abort_start "could not check GDS: HTTP 401 for user neo4j (NEO4J_PASSWORD differs from the stored password? delete $N4J_HOME/data to start over)";;
      200)
        # DatabaseUnavailable etc. right after Bolt comes up: retry; anything else is final
        if [[ "$body" != *'"code":"Neo.TransientError'* ]]; then
          local hint=""
          [ -n "$(find "$PLUGINS" -name 'org.neo4j.gds.*.jar' -print -quit 2>/dev/null)" ] || hint="; no org.neo4j.gds jars in $PLUGINS"
          abort_start "GDS procedures did not load (gds.version() failed: ${err:-$body}$hint)"
        fi;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      abort_start "GDS procedures did not answer within ${START_TIMEOUT}s (gds.version() over HTTP: ${err:-HTTP $code})"
    fi
    sleep 0.5
  done
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
      if http_enabled; then echo "browser $BROWSER_URL"; fi
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
