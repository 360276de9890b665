#!/bin/sh
# berth's test application: an HTTP server whose answers name its version.
#   MODE=ok      serves / and /healthz (the image's HEALTHCHECK calls /healthz)
#   MODE=broken  runs and serves /, but /healthz is missing: never healthy
#   MODE=crash   exits at once with status 1
#   MODE=late-crash  serves (healthy) for 3 s, then exits with status 1
# It stops promptly on SIGTERM, as a well-behaved container should.
PORT="${PORT:-8080}"
case "$MODE" in
  crash) echo "app $VERSION: crashing on purpose" >&2; exit 1 ;;
esac
mkdir -p /www
echo "app $VERSION host=$(hostname)" > /www/index.html
[ "$MODE" = broken ] || echo "ok $VERSION" > /www/healthz
echo "app $VERSION listening on :$PORT (mode $MODE)"
httpd -f -p "$PORT" -h /www &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
if [ "$MODE" = late-crash ]; then
  sleep 3
  echo "app $VERSION: crashing 3 s after start, on purpose" >&2
  kill "$pid" 2>/dev/null
  exit 1
fi
wait "$pid"
