#!/bin/sh
# berth's test application: an HTTP server whose answers name its version.
#   MODE=ok      serves / and /healthz (the image's HEALTHCHECK calls /healthz)
#   MODE=broken  runs and serves /, but /healthz is missing: never healthy
#   MODE=crash   exits at once with status 1
#   MODE=late-crash  serves (healthy) for 3 s, then exits with status 1
# Every mode that serves also serves GET /metrics (Prometheus text format):
#   app_requests_per_second  requests this replica answered over the last
#                            ~5 s, per second (health checks and scrapes
#                            included: about 2/s at rest), a gauge that
#                            follows load, for the autoscaling tests
#   app_requests_total       requests answered since start
# busybox httpd cannot run a CGI at /metrics (it runs CGIs only under
# /cgi-bin/, and this build has no proxy), so /metrics is a plain file
# rewritten once a second; the requests are counted from the line `httpd -v`
# writes for each answer ("ip:port: response:200"), which only the counter
# reads: the container's log stays what it was.
# It stops promptly on SIGTERM, finishing the answers it is writing, as a
# well-behaved container should.
PORT="${PORT:-8080}"
WINDOW=5
case "$MODE" in
  crash) echo "app $VERSION: crashing on purpose" >&2; exit 1 ;;
esac
mkdir -p /www
echo "app $VERSION host=$(hostname)" > /www/index.html
[ "$MODE" = broken ] || echo "ok $VERSION" > /www/healthz

write_metrics() { # $1 = rate in tenths per second, $2 = total
  printf '# HELP app_requests_per_second Requests answered per second over the last %s s.\n# TYPE app_requests_per_second gauge\napp_requests_per_second %d.%d\n# HELP app_requests_total Requests answered since start.\n# TYPE app_requests_total counter\napp_requests_total %d\n' \
    "$WINDOW" $(($1 / 10)) $(($1 % 10)) "$2" > /www/metrics.tmp
  mv /www/metrics.tmp /www/metrics
}
write_metrics 0 0

rm -f /tmp/requests /tmp/requests.fifo
mkfifo /tmp/requests.fifo
# The counter: one line per answer; anything else httpd says goes to stderr as before.
(
  n=0
  while read -r line; do
    case "$line" in
      *": response:"*) n=$((n + 1)); echo "$n" > /tmp/requests ;;
      *) echo "$line" >&2 ;;
    esac
  done
) < /tmp/requests.fifo &
counter=$!
# The sampler: every second, the count and the time (centiseconds since boot,
# from /proc/uptime: no fork), and the rate over the oldest of the last WINDOW samples.
(
  samples=""
  while :; do
    sleep 1
    read -r n 2>/dev/null < /tmp/requests || n=""
    [ -n "$n" ] || n="${last:-0}"
    last="$n"
    read -r up _ < /proc/uptime
    cs="${up%.*}${up#*.}"
    samples="$samples $cs:$n"
    set -- $samples
    while [ "$#" -gt $((WINDOW + 1)) ]; do shift; done
    samples="$*"
    first="$1"
    t0="${first%:*}"; n0="${first#*:}"
    dt=$((cs - t0))
    if [ "$dt" -gt 0 ]; then rate=$(( (n - n0) * 1000 / dt )); else rate=0; fi
    write_metrics "$rate" "$n"
  done
) &
sampler=$!
echo "app $VERSION listening on :$PORT (mode $MODE)"
httpd -f -v -p "$PORT" -h /www 2>/tmp/requests.fifo &
pid=$!
# On SIGTERM the listener goes first, then answers already being written get
# 0.2 s to finish (httpd forks one child per connection, and the container's
# processes all die with this one): a proxy in front can send a request the
# listener refused to another replica, but not one cut mid-answer.
trap 'kill "$pid" 2>/dev/null; sleep 0.2; kill "$sampler" "$counter" 2>/dev/null; exit 0' TERM INT
if [ "$MODE" = late-crash ]; then
  sleep 3
  echo "app $VERSION: crashing 3 s after start, on purpose" >&2
  kill "$pid" "$sampler" "$counter" 2>/dev/null
  exit 1
fi
wait "$pid"
