#!/bin/sh
# berth's leader-elector sidecar (docs/leader-elector.md): the replicas of one
# service campaign for one etcd key; whoever holds it leads. Every replica
# serves http://localhost:4040/ with {"name": "<leader>"}, or {"name": null}
# while it does not know a leader (none yet, or etcd cannot be reached).
#
#   ETCDCTL_ENDPOINTS  etcd's client URLs, comma-separated (etcdctl reads it itself)
#   ELECTION           the election's name; empty: SERVICE
#   SERVICE            the service's name
#   TTL                seconds a dead leader keeps the key (default 5)
#   PORT               where the answer is served on localhost (default 4040)
#   ETCDCTL_USER       optional "user:password", from a secret (etcdctl reads it itself)
#
# Built from `lease grant` + `lease keep-alive` + a `txn` that puts the key
# only while nobody holds it, not from `etcdctl elect` (its session TTL is a
# fixed 60 s: a dead leader would hold the key a minute) nor `etcdctl lock
# --ttl` (it names the holder by a generated key per waiter, so reading who
# leads means listing the prefix; here the key's value is the leader's name).
# One txn per second both campaigns and reads the leader, so a replica costs
# etcd one request a second plus the keep-alive.
#
# Identity: the pod's hostname. A sidecar shares the main container's network
# and UTS settings, so `hostname` is the main container's hostname, the first
# 12 characters of its container id: unique per pod, stable for its life.
#
# It never exits because etcd is down: every failure is retried a second
# later, so the pod does not crash-loop while etcd is away.
set -u
SERVICE="${SERVICE:-}"
ELECTION="${ELECTION:-}"
[ -n "$ELECTION" ] || ELECTION="$SERVICE"
TTL="${TTL:-5}"
PORT="${PORT:-4040}"
export ETCDCTL_DIAL_TIMEOUT="${ETCDCTL_DIAL_TIMEOUT:-1s}"
export ETCDCTL_COMMAND_TIMEOUT="${ETCDCTL_COMMAND_TIMEOUT:-2s}"
if [ -z "$ELECTION" ]; then
  echo "leader-elector: no ELECTION and no SERVICE: nothing to campaign for" >&2
  ELECTION=default
fi
key="/berth/leader-elector/$ELECTION"
me="$(hostname)"
www=/tmp/leader-elector
mkdir -p "$www"

published="-"
# Writes the answer to a temporary file and renames it: httpd never serves half a file.
publish() {
  [ "$1" = "$published" ] && return
  if [ -z "$1" ]; then body='{"name": null}'; else body="{\"name\": \"$1\"}"; fi
  printf '%s\n' "$body" > "$www/.index.html.tmp" && mv -f "$www/.index.html.tmp" "$www/index.html"
  published="$1"
  if [ -z "$1" ]; then echo "leader-elector: $key: no leader known"
  elif [ "$1" = "$me" ]; then echo "leader-elector: $key: $me leads (this pod)"
  else echo "leader-elector: $key: $1 leads"; fi
}
publish ""

httpd_pid=""
serve() {
  if ! alive "$httpd_pid"; then
    httpd -f -p "127.0.0.1:$PORT" -h "$www" &
    httpd_pid=$!
  fi
}

# Every etcdctl call but the keep-alive is bounded: `etcdctl txn` takes no
# --command-timeout (it waits forever while etcd is away), and a sidecar that
# hangs would keep publishing its last answer. TTL/3, the keep-alive's own
# period: a leader cut off from etcd stops claiming (publishes null) within
# about TTL/3 + 1 s, before its lease (renewed at most TTL/3 earlier) can
# expire and another replica win the key.
limit=$((TTL / 3)); [ "$limit" -ge 1 ] || limit=1
ctl() { timeout "$limit" etcdctl "$@"; }

# kill -0 succeeds on a zombie: an exited keep-alive must count as gone.
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }

lease=""
ka_pid=""
drop_lease() {
  [ -n "$ka_pid" ] && kill "$ka_pid" 2>/dev/null
  [ -n "$lease" ] && ctl lease revoke "$lease" >/dev/null 2>&1
  lease=""
  ka_pid=""
}
# A clean stop hands the key over at once instead of after TTL.
trap 'drop_lease; [ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null; exit 0' TERM INT

echo "leader-elector: campaigning as $me for $key (ttl ${TTL}s, endpoints ${ETCDCTL_ENDPOINTS:-unset})"
while :; do
  serve
  # etcdctl's keep-alive exits once the lease has expired (etcd away longer than TTL): take a new one.
  if [ -n "$ka_pid" ] && ! alive "$ka_pid"; then drop_lease; fi
  if [ -z "$lease" ]; then
    if granted="$(ctl lease grant "$TTL" 2>/dev/null)"; then
      # "lease 694d8a8e3b6bd20b granted with TTL(5s)"
      set -- $granted
      lease="$2"
      etcdctl lease keep-alive "$lease" >/dev/null 2>&1 &
      ka_pid=$!
    else
      publish ""
      sleep 1
      continue
    fi
  fi
  # Put the key only if it does not exist (create revision 0); either way read it back.
  # The last line of the answer is the key's value: the leader.
  if answer="$(printf 'create("%s") = "0"\n\nput %s %s --lease=%s\nget %s\n\nget %s\n\n' "$key" "$key" "$me" "$lease" "$key" "$key" | ctl txn 2>/dev/null)"; then
    leader="$(printf '%s\n' "$answer" | tail -n 1)"
    case "$answer" in SUCCESS*|FAILURE*) ;; *) leader="" ;; esac
    publish "$leader"
  else
    # etcd cannot be reached, or our lease is gone: claim nothing rather than a stale answer.
    publish ""
    if ctl lease timetolive "$lease" 2>/dev/null | grep -q expired; then drop_lease; fi
  fi
  sleep 1
done
