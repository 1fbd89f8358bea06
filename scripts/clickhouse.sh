#!/usr/bin/env bash
# Start and stop the ClickHouse servers that c2hunt's tests and benchmarks use, on loopback:
#
#   single   one node              http://127.0.0.1:18123  (tcp 19000)
#   shard1   cluster c2hunt, 1 of 2 http://127.0.0.1:18124  (tcp 19001)
#   shard2   cluster c2hunt, 2 of 2 http://127.0.0.1:18125  (tcp 19002)
#
# Usage: scripts/clickhouse.sh start|stop|kill|restart|status [single|shard1|shard2|cluster|all]
# (default: all). `stop` asks the server to exit (SIGTERM) and waits up to $C2HUNT_CH_STOP_WAIT_S
# seconds (default 10) before killing it; `kill` kills it at once (SIGKILL: a crashed shard).
# Data and logs go to $C2HUNT_CH_DIR (default /tmp/c2hunt-clickhouse); the configuration is
# generated there from deploy/clickhouse/server.xml.in. `start` waits until the server answers
# and fails with its log when it does not. Needs Debian's clickhouse-server.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF="$(cd "$HERE/../deploy/clickhouse" && pwd)"
DIR="${C2HUNT_CH_DIR:-/tmp/c2hunt-clickhouse}"
START_WAIT_S=30

ports() {
  case "$1" in
    single) echo "18123 19000" ;;
    shard1) echo "18124 19001" ;;
    shard2) echo "18125 19002" ;;
    *) echo "unknown server '$1' (single, shard1, shard2)" >&2; exit 2 ;;
  esac
}

server_bin() {
  if command -v clickhouse-server >/dev/null 2>&1; then echo clickhouse-server
  elif command -v clickhouse >/dev/null 2>&1; then echo "clickhouse server"
  else echo "clickhouse-server is not installed (apt-get install clickhouse-server)" >&2; exit 3
  fi
}

answers() { curl -sf "http://127.0.0.1:$1/?query=SELECT%201" >/dev/null 2>&1; }

start_one() {
  local name="$1" http tcp
  read -r http tcp <<<"$(ports "$name")"
  if answers "$http"; then echo "clickhouse $name already up on $http"; return 0; fi
  mkdir -p "$DIR/$name/log" "$DIR/$name/data" "$DIR/$name/tmp" "$DIR/$name/user_files" "$DIR/$name/format_schemas"
  sed -e "s|@NAME@|$name|g" -e "s|@DIR@|$DIR|g" -e "s|@CONF@|$CONF|g" \
      -e "s|@HTTP_PORT@|$http|g" -e "s|@TCP_PORT@|$tcp|g" "$CONF/server.xml.in" > "$DIR/$name/config.xml"
  # shellcheck disable=SC2046
  (cd "$DIR/$name" && exec $(server_bin) --config-file="$DIR/$name/config.xml" >"$DIR/$name/log/stdout.log" 2>&1) &
  echo $! > "$DIR/$name/pid"
  for _ in $(seq 1 $((START_WAIT_S * 5))); do
    if answers "$http"; then echo "clickhouse $name up on http://127.0.0.1:$http"; return 0; fi
    sleep 0.2
  done
  echo "clickhouse $name did not answer on port $http within ${START_WAIT_S}s; its logs:" >&2
  tail -n 30 "$DIR/$name/log/stdout.log" "$DIR/$name/log/error.log" >&2 2>/dev/null || true
  return 1
}

stop_one() {
  local name="$1" wait_s="${2:-${C2HUNT_CH_STOP_WAIT_S:-10}}" http tcp pid
  read -r http tcp <<<"$(ports "$name")"
  if [[ -f "$DIR/$name/pid" ]]; then
    pid="$(cat "$DIR/$name/pid")"
    if ((wait_s > 0)); then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$DIR/$name/pid"
  fi
  # A server started by hand (no pid file) is found by its generated configuration.
  pkill -9 -f -- "--config-file=$DIR/$name/config.xml" 2>/dev/null || true
  echo "clickhouse $name stopped"
}

status_one() {
  local name="$1" http tcp
  read -r http tcp <<<"$(ports "$name")"
  if answers "$http"; then echo "$name up http://127.0.0.1:$http"; else echo "$name down"; fi
}

targets() {
  case "${1:-all}" in
    all) echo single shard1 shard2 ;;
    cluster) echo shard1 shard2 ;;
    *) echo "$1" ;;
  esac
}

cmd="${1:-}"
case "$cmd" in
  start) for n in $(targets "${2:-all}"); do start_one "$n"; done ;;
  stop) for n in $(targets "${2:-all}"); do stop_one "$n"; done ;;
  kill) for n in $(targets "${2:-all}"); do stop_one "$n" 0; done ;;
  restart) for n in $(targets "${2:-all}"); do stop_one "$n"; start_one "$n"; done ;;
  status) for n in $(targets "${2:-all}"); do status_one "$n"; done ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
