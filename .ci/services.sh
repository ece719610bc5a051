# PostgreSQL and Redis for the services run of .ci/test, sourced by it. On a fresh Debian
# machine it installs what is missing with apt, starts what is not running, and creates
# the database role and database of the URL; services_down stops what services_up started
# and nothing else (a PostgreSQL or Redis that already ran is left as it was).
#
# Needs: SERVICES_DATABASE_URL, SERVICES_REDIS_URL, PY (a Python with psycopg and redis),
# LOGS (a folder for logs), and the functions say, die, as_root; SERVICES_WAIT_SECONDS, if
# set, is how long a service may take to answer (default 60 for PostgreSQL, 30 for Redis).

declare -a _SERVICES_STARTED=()
_APT_UPDATED=0

apt_install() { # packages...
    if [ "$_APT_UPDATED" = 0 ]; then
        as_root apt-get update || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" \
        || die "apt-get install $* failed"
}

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { # host port seconds
    local i
    for ((i = 0; i < $3; i++)); do
        reachable "$1" "$2" && return 0
        sleep 1
    done
    return 1
}
is_local() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ] || [ "$1" = ::1 ]; }

# Remembers a command (words, as for "$@") to run when the services go down, last first.
started() {
    local command
    printf -v command '%q ' "$@"
    _SERVICES_STARTED+=("$command")
}

services_down() {
    local i
    for ((i = ${#_SERVICES_STARTED[@]} - 1; i >= 0; i--)); do
        echo "Stopping what this run started: ${_SERVICES_STARTED[$i]}"
        eval "${_SERVICES_STARTED[$i]}" || true
    done
    _SERVICES_STARTED=()
}

# The parts of a URL, one per line: host, port, user, password, database.
url_parts() { # url default-port
    "$PY" -c 'import sys, urllib.parse as u
url = u.urlsplit(sys.argv[1])
for part in (url.hostname or "127.0.0.1", url.port or int(sys.argv[2]),
             u.unquote(url.username or ""), u.unquote(url.password or ""),
             u.unquote(url.path.lstrip("/"))):
    print(part)' "$1" "$2"
}

# ----------------------------------------------------------------- PostgreSQL
pg_installed() { compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; }
pg_online_clusters() { pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}'; }

# psql as someone who may create roles and databases: over TCP as the URL's user, or as
# postgres (a cluster that trusts local TCP, as the one made below), or through the local
# socket as the postgres system user (Debian's peer authentication). Never prompts.
pg_as() { # how psql-arguments...
    local how=$1
    shift
    case $how in
        url) PGPASSWORD="$PG_PASSWORD" psql -X -w -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" \
            -d postgres "$@" ;;
        postgres) psql -X -w -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres "$@" ;;
        peer) as_root runuser -u postgres -- psql -X -w -q -p "$PG_PORT" -d postgres "$@" ;;
    esac
}

pg_ensure_role_and_database() {
    local how found=""
    command -v psql >/dev/null || return 0
    for how in url postgres peer; do
        if pg_as "$how" -tAc 'SELECT 1' </dev/null >/dev/null 2>&1; then
            found=$how
            break
        fi
    done
    if [ -z "$found" ]; then
        echo "No way to create roles on $PG_HOST:$PG_PORT from here; the URL's must exist"
        return 0
    fi
    if [ "$(pg_as "$found" -tA -v u="$PG_USER" <<<"SELECT count(*) FROM pg_roles WHERE rolname = :'u';")" != 1 ]; then
        echo "Creating the PostgreSQL role $PG_USER"
        pg_as "$found" -v ON_ERROR_STOP=1 -v u="$PG_USER" <<<'CREATE ROLE :"u" LOGIN SUPERUSER;' \
            || die "cannot create the PostgreSQL role $PG_USER"
        if [ -n "$PG_PASSWORD" ]; then
            pg_as "$found" -v ON_ERROR_STOP=1 -v u="$PG_USER" -v p="$PG_PASSWORD" \
                <<<"ALTER ROLE :\"u\" PASSWORD :'p';" || die "cannot set $PG_USER's password"
        fi
    fi
    if [ "$(pg_as "$found" -tA -v d="$PG_DB" <<<"SELECT count(*) FROM pg_database WHERE datname = :'d';")" != 1 ]; then
        echo "Creating the PostgreSQL database $PG_DB"
        pg_as "$found" -v ON_ERROR_STOP=1 -v d="$PG_DB" -v u="$PG_USER" \
            <<<'CREATE DATABASE :"d" OWNER :"u";' || die "cannot create the database $PG_DB"
    fi
}

pg_up() {
    local before version name port status rest cluster="" own
    is_local "$PG_HOST" || return 0
    reachable "$PG_HOST" "$PG_PORT" && return 0
    echo "PostgreSQL is not answering on $PG_HOST:$PG_PORT"
    local installed_now=0
    if ! pg_installed; then
        before=$(pg_online_clusters)
        echo "Installing PostgreSQL"
        apt_install postgresql
        installed_now=1
        # On a machine with systemd the package starts its own cluster, whose TCP logins
        # need passwords the URL may not have: this run uses a cluster of its own instead.
        while read -r version name; do
            [ -n "$version" ] || continue
            grep -qx "$version $name" <<<"$before" && continue
            echo "Stopping the cluster $version/$name that installing PostgreSQL started"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" stop || true
        done < <(pg_online_clusters)
    fi
    pg_installed || die "PostgreSQL is missing after installing it"
    # A cluster of this machine's, configured on that port and stopped: start it.
    if [ "$installed_now" = 0 ]; then
        while read -r version name port status rest; do
            if [ "$port" = "$PG_PORT" ] && [ "$status" = down ]; then
                cluster="$version $name"
                break
            fi
        done < <(pg_lsclusters --no-header 2>/dev/null | grep -v " chat_ci_")
    fi
    if [ -n "$cluster" ]; then
        read -r version name <<<"$cluster"
        echo "Starting the PostgreSQL cluster $version/$name"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start \
            || die "pg_ctlcluster $version $name start failed"
        started as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" stop
        return 0
    fi
    # Else a cluster of this run's own, trusting local TCP, removed at the end.
    version=$(basename "$(compgen -G "/usr/lib/postgresql/*/bin/postgres" | sort -V | tail -n 1 \
        | xargs dirname | xargs dirname)")
    own="chat_ci_$PG_PORT"
    if pg_lsclusters --no-header 2>/dev/null | awk '{print $1, $2}' | grep -qx "$version $own"; then
        as_root pg_dropcluster --stop "$version" "$own" || true # left by a run that was killed
    fi
    echo "Creating the PostgreSQL cluster $version/$own on port $PG_PORT"
    as_root pg_createcluster --port "$PG_PORT" "$version" "$own" -- \
        --auth-local=peer --auth-host=trust >"$LOGS/pg_createcluster.log" 2>&1 \
        || {
            cat "$LOGS/pg_createcluster.log" >&2
            die "pg_createcluster failed"
        }
    started as_root pg_dropcluster --stop "$version" "$own"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$own" start \
        || die "the PostgreSQL cluster $version/$own did not start"
}

# ---------------------------------------------------------------------- Redis
redis_up() {
    is_local "$REDIS_HOST" || return 0
    reachable "$REDIS_HOST" "$REDIS_PORT" && return 0
    echo "Redis is not answering on $REDIS_HOST:$REDIS_PORT"
    if ! command -v redis-server >/dev/null; then
        echo "Installing Redis"
        apt_install redis-server
        # On a machine with systemd the package starts Redis on its own port; this run
        # stops it again if it is the one the tests use.
        if wait_for "$REDIS_HOST" "$REDIS_PORT" 5; then
            started redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave
            return 0
        fi
    fi
    echo "Starting Redis on $REDIS_HOST:$REDIS_PORT"
    local bind=127.0.0.1
    [ "$REDIS_HOST" = ::1 ] && bind=::1
    redis-server --daemonize yes --bind "$bind" --port "$REDIS_PORT" \
        --save "" --appendonly no --dir "$LOGS" --logfile "$LOGS/redis.log" \
        --pidfile "$LOGS/redis-$REDIS_PORT.pid" || die "redis-server did not start"
    started redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave
}

# ------------------------------------------------------------------ together
services_up() {
    local -a parts
    mapfile -t parts < <(url_parts "$SERVICES_DATABASE_URL" 5432)
    [ "${#parts[@]}" = 5 ] || die "cannot read a host and port from $SERVICES_DATABASE_URL"
    PG_HOST=${parts[0]} PG_PORT=${parts[1]} PG_USER=${parts[2]} PG_PASSWORD=${parts[3]}
    PG_DB=${parts[4]}
    # libpq's defaults: the system user's name for both.
    PG_USER=${PG_USER:-$(id -un)}
    PG_DB=${PG_DB:-$PG_USER}
    mapfile -t parts < <(url_parts "$SERVICES_REDIS_URL" 6379)
    [ "${#parts[@]}" = 5 ] || die "cannot read a host and port from $SERVICES_REDIS_URL"
    REDIS_HOST=${parts[0]} REDIS_PORT=${parts[1]}

    pg_up
    redis_up
    wait_for "$PG_HOST" "$PG_PORT" "${SERVICES_WAIT_SECONDS:-60}" \
        || die "PostgreSQL is not reachable on $PG_HOST:$PG_PORT; the services run cannot go on"
    wait_for "$REDIS_HOST" "$REDIS_PORT" "${SERVICES_WAIT_SECONDS:-30}" \
        || die "Redis is not reachable on $REDIS_HOST:$REDIS_PORT; the services run cannot go on"
    if is_local "$PG_HOST"; then
        pg_ensure_role_and_database
    fi

    # A real connection, with the URLs the tests will use, not only an open port.
    local connected=0
    for _ in $(seq 30); do
        if "$PY" - "$SERVICES_DATABASE_URL" "$SERVICES_REDIS_URL" <<'EOF' 2>"$LOGS/services.err"; then
import sys
import psycopg
import redis
import dj_database_url

db = dj_database_url.parse(sys.argv[1])
with psycopg.connect(
    dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
    host=db["HOST"], port=db["PORT"] or 5432, connect_timeout=5,
) as conn:
    print("PostgreSQL:", conn.execute("show server_version").fetchone()[0])
print("Redis:", redis.Redis.from_url(sys.argv[2], socket_timeout=5).info()["redis_version"])
EOF
            connected=1
            break
        fi
        sleep 1
    done
    [ "$connected" = 1 ] || {
        cat "$LOGS/services.err" >&2
        die "cannot connect to $SERVICES_DATABASE_URL or $SERVICES_REDIS_URL"
    }
}
