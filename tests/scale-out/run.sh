#!/usr/bin/env bash
# Scale-out under failure (issue 13), not part of CI: two server processes (Release build) on one PostgreSQL database
# with the same key files, nginx on loopback as a round-robin load balancer without sticky sessions, and the load
# (client-credentials tokens, refresh-token chains and SCIM creates at once) through nginx. Half-way, one replica is
# killed with kill -9 and restarted. The script reports throughput and errors before, during and after, then checks
# that every SCIM create answered 201 is in the database (once) and every refresh token answered was usable.
#
#   tests/scale-out/run.sh                   # defaults below; needs nginx (apt-get install nginx-light), psql, openssl
#   BEFORE=30 AFTER=30 REDIS=1 tests/scale-out/run.sh
#
# Settings (environment): ORGIDENTITY_TEST_POSTGRES (an admin connection string; default the dev server on 55440),
# BEFORE (seconds of load before the kill, 20), DOWN (seconds the killed replica stays down before its restart, 5),
# AFTER (seconds of load once the restarted replica is ready, 20), CC/REFRESH/SCIM (concurrent callers of each kind,
# 8/4/4), REDIS=1 (also start redis-server and set OrgIdentity:Redis on both replicas), SKIP_BUILD=1, KEEP=1 (keep the
# work directory and the database), PORT_LB/PORT_A/PORT_B/PORT_REDIS (8090/8091/8092/8093).
#
# The load is tests/scale-out/Failover.cs (a .NET 10 file-based program), not OrgIdentity.Benchmarks: the checks need
# every SCIM id and every refresh token answered, which a figures-only driver does not keep.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/orgidentity-scale-XXXXXX)
ADMIN_CS=${ORGIDENTITY_TEST_POSTGRES:-"Host=127.0.0.1;Port=55440;Username=postgres;Password=postgres;Database=postgres"}
BEFORE=${BEFORE:-20}
DOWN=${DOWN:-5}
AFTER=${AFTER:-20}
PORT_LB=${PORT_LB:-8090}
PORT_A=${PORT_A:-8091}
PORT_B=${PORT_B:-8092}
PORT_REDIS=${PORT_REDIS:-8093}
DB=orgidentity_scale_$(date +%s)
ADMIN_EMAIL=scale-admin@example.com
ADMIN_PASSWORD=scale-admin-password-1
PIDS=()

# The admin connection string as psql settings.
cs() { tr ';' '\n' <<<"$ADMIN_CS" | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print substr($0, index($0, "=") + 1) }'; }
export PGHOST=$(cs Host) PGPORT=$(cs Port) PGUSER=$(cs Username) PGPASSWORD=$(cs Password)
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$(cs Database)" "$@"; }
psql_run() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -At "$@"; }
now_ms() { date +%s%3N; }
log() { echo "[$(date +%T)] $*"; }

cleanup() {
  local code=$?
  # TERM first: nginx's master then stops its workers (after a KILL they would keep the port).
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ "${KEEP:-}" != 1 ]]; then
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  else
    echo "kept: $WORK and database $DB"
  fi
  exit $code
}
trap cleanup EXIT INT TERM

command -v nginx >/dev/null || { echo "nginx is missing: apt-get install -y nginx-light" >&2; exit 2; }
for port in "$PORT_LB" "$PORT_A" "$PORT_B"; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is in use: set PORT_LB/PORT_A/PORT_B" >&2; exit 2; fi
done

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  log "building the server (Release) and the load program"
  dotnet build -c Release "$ROOT/src/OrgIdentity.Server" -v q -nologo >/dev/null
  dotnet build "$ROOT/tests/scale-out/Failover.cs" -v q -nologo >/dev/null
fi
SERVER_DLL=$ROOT/src/OrgIdentity.Server/bin/Release/net10.0/OrgIdentity.Server.dll

log "work directory $WORK, database $DB"
# The same key files for both replicas, as an operator mounts them (certs/make-certs.sh makes the production ones).
mkdir -p "$WORK/keys"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=scale-signing -addext "keyUsage=critical,digitalSignature" \
  -keyout "$WORK/keys/signing.key" -out "$WORK/keys/signing.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=scale-encryption -addext "keyUsage=critical,keyEncipherment" \
  -keyout "$WORK/keys/encryption.key" -out "$WORK/keys/encryption.pem" 2>/dev/null
psql_admin -c "CREATE DATABASE \"$DB\""

if [[ "${REDIS:-}" == 1 ]]; then
  redis-server --port "$PORT_REDIS" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  REDIS_SETTING="127.0.0.1:$PORT_REDIS"
fi

# One replica: the settings docker-compose.yml gives each (README, "Running more than one replica"), here on loopback.
start_replica() { # name port
  local name=$1 port=$2
  mkdir -p "$WORK/data-$name"
  # From the build's directory: the content root, where appsettings*.json are (the Development clients spa, dev-worker).
  cd "$(dirname "$SERVER_DLL")"
  env ASPNETCORE_ENVIRONMENT=Development \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    OrgIdentity__Issuer="http://127.0.0.1:$PORT_LB/" \
    OrgIdentity__DataDirectory="$WORK/data-$name" \
    OrgIdentity__Database__Provider=PostgreSql \
    ConnectionStrings__OrgIdentity="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=$DB" \
    OrgIdentity__Keys__Signing__0__Path="$WORK/keys/signing.pem" \
    OrgIdentity__Keys__Signing__0__KeyPath="$WORK/keys/signing.key" \
    OrgIdentity__Keys__Encryption__0__Path="$WORK/keys/encryption.pem" \
    OrgIdentity__Keys__Encryption__0__KeyPath="$WORK/keys/encryption.key" \
    OrgIdentity__ForwardedHeaders__KnownProxies__0=127.0.0.1 \
    OrgIdentity__Redis="${REDIS_SETTING:-}" \
    OrgIdentity__Bootstrap__AdminEmail="$ADMIN_EMAIL" \
    OrgIdentity__Bootstrap__AdminPassword="$ADMIN_PASSWORD" \
    OrgIdentity__RateLimits__TokenPerClientPerSecond=1000000 \
    OrgIdentity__RateLimits__ScimPerTokenPerSecond=1000000 \
    OrgIdentity__RateLimits__SignInPerMinute=100000 \
    Logging__LogLevel__Default=Warning \
    dotnet "$SERVER_DLL" >>"$WORK/$name.log" 2>&1 &
  echo $!
}

wait_ready() { # port
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "replica on $1 did not become ready" >&2
  return 1
}

# A first (it applies the migrations), then B: two first starts at once would both create the configured clients.
PID_A=$(start_replica a "$PORT_A"); PIDS+=("$PID_A")
wait_ready "$PORT_A"
PID_B=$(start_replica b "$PORT_B"); PIDS+=("$PID_B")
wait_ready "$PORT_B"
log "replicas ready: a pid $PID_A on $PORT_A, b pid $PID_B on $PORT_B${REDIS_SETTING:+, Redis $REDIS_SETTING}"

mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  # Round robin, no sticky sessions. A replica that refuses connections is skipped for 2 s.
  upstream orgidentity {
    server 127.0.0.1:$PORT_A max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$PORT_B max_fails=1 fail_timeout=2s;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$PORT_LB;
    # Identity's cookies are large (deploy/nginx/orgidentity.conf says why).
    large_client_header_buffers 4 32k;
    proxy_buffer_size 32k;
    proxy_buffers 8 32k;
    proxy_busy_buffers_size 64k;
    location / {
      proxy_pass http://orgidentity;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      # A refused connection goes to the other replica (also for POST: nothing was sent yet); a request already sent to
      # the replica that died is not sent again (POST is not idempotent): the client sees 502 and decides.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
wait_ready "$PORT_LB"

log "load through nginx: $BEFORE s, then replica b is killed, restarted after $DOWN s, and the load goes on $AFTER s once it is ready"
mkdir -p "$WORK/load"
dotnet run --no-build --file "$ROOT/tests/scale-out/Failover.cs" -- load --target "http://127.0.0.1:$PORT_LB" --stop-file "$WORK/load/stop" \
  --out "$WORK/load" --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" --cc "${CC:-8}" --refresh "${REFRESH:-4}" --scim "${SCIM:-4}" &
PID_LOAD=$!
PIDS+=("$PID_LOAD")
while [[ ! -f "$WORK/load/started" ]]; do
  kill -0 "$PID_LOAD" 2>/dev/null || { echo "the load program stopped during its set-up" >&2; exit 1; }
  sleep 0.1
done
sleep "$BEFORE"
echo "kill $(now_ms)" >"$WORK/load/events"
kill -9 "$PID_B"
log "killed replica b (pid $PID_B)"
sleep "$DOWN"
PID_B=$(start_replica b "$PORT_B"); PIDS+=("$PID_B")
wait_ready "$PORT_B"
echo "ready $(now_ms)" >>"$WORK/load/events"
log "replica b restarted (pid $PID_B) and ready"
sleep "$AFTER"
touch "$WORK/load/stop"
wait "$PID_LOAD"

dotnet run --no-build --file "$ROOT/tests/scale-out/Failover.cs" -- report --out "$WORK/load"
if [[ -n "${REDIS_SETTING:-}" ]]; then
  echo
  echo "Redis (second-level cache): $(redis-cli -p "$PORT_REDIS" info stats | grep -E '^keyspace_(hits|misses)' | tr -d '\r' | tr '\n' ' ')"
fi

# Nothing lost, nothing duplicated.
ORG=$(cat "$WORK/load/organization")
psql_run -c "CREATE TABLE answered (user_name text, id text)"
psql_run -c "\copy answered FROM '$WORK/load/scim-created.tsv'"
ANSWERED=$(psql_run -c "SELECT count(*) FROM answered")
MISSING=$(psql_run -c "SELECT count(*) FROM answered a WHERE NOT EXISTS (SELECT 1 FROM \"ScimProfiles\" p
  WHERE p.\"OrganizationId\" = '$ORG' AND p.\"UserName\" = a.user_name AND p.\"UserId\"::text = a.id)")
DUPLICATES=$(psql_run -c "SELECT count(*) FROM (SELECT upper(\"UserName\") FROM \"ScimProfiles\" WHERE \"OrganizationId\" = '$ORG'
  GROUP BY 1 HAVING count(*) > 1) d")
UNANSWERED=$(psql_run -c "SELECT count(*) FROM \"ScimProfiles\" p WHERE p.\"OrganizationId\" = '$ORG'
  AND NOT EXISTS (SELECT 1 FROM answered a WHERE a.user_name = p.\"UserName\")")
LOST_REFRESH=$(grep -c . "$WORK/load/lost-refresh-tokens" || true)
echo
echo "SCIM creates answered 201: $ANSWERED; missing from the database: $MISSING; duplicated userNames: $DUPLICATES;"
echo "  created but never answered (in flight on the killed replica or answered 502): $UNANSWERED"
echo "refresh tokens answered but then refused (lost): $LOST_REFRESH"
[[ $LOST_REFRESH == 0 ]] || cat "$WORK/load/lost-refresh-tokens"

if [[ $MISSING == 0 && $DUPLICATES == 0 && $LOST_REFRESH == 0 ]]; then
  echo "PASS: nothing lost, nothing duplicated"
else
  echo "FAIL"
  exit 1
fi
