#!/bin/sh
# Make sure the local PostgreSQL and Redis answer before the tests run: start them when installed and down,
# install them with apt when absent (as root on Debian), or say clearly what is missing.
set -u
PG_HOST=127.0.0.1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"

pg_up() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p 5432; }
redis_up() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
apt_install() {
    if command -v apt-get >/dev/null 2>&1; then
        echo "Installation de $* (apt)…"
        $SUDO apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
    else
        return 1
    fi
}

if ! pg_up; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt_install postgresql || { echo "PostgreSQL est absent et ne peut être installé ici : installez-le (port 5432)." >&2; exit 1; }
    fi
    version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    if [ -n "$version" ]; then
        echo "Démarrage de PostgreSQL $version…"
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || $SUDO pg_ctlcluster "$version" main start
    fi
    i=0
    while ! pg_up && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
    pg_up || { echo "PostgreSQL ne répond pas sur $PG_HOST:5432." >&2; exit 1; }
fi
if ! psql -w -h "$PG_HOST" -U postgres -d postgres -c "SELECT 1" >/dev/null 2>&1; then
    echo "PostgreSQL répond mais refuse l'utilisateur postgres sans mot de passe sur $PG_HOST :" >&2
    echo "réglez DATABASE_URL (postgres://utilisateur:motdepasse@hôte:5432/portal) ou l'authentification trust." >&2
    exit 1
fi

# The development database named by DATABASE_URL (tests use test_<name>); makemigrations --check reads it.
db_name=$(printf '%s' "${DATABASE_URL:-postgres://postgres@$PG_HOST:5432/portal}" | sed 's#.*/##; s#?.*##')
if ! psql -w -h "$PG_HOST" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1; then
    createdb -w -h "$PG_HOST" -U postgres "$db_name" && echo "Base $db_name créée."
fi

if ! redis_up; then
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server || {
        echo "Redis est absent et ne peut être installé ici : installez-le (port 6379)." >&2; exit 1; }
    echo "Démarrage de Redis…"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    i=0
    while ! redis_up && [ $i -lt 15 ]; do sleep 1; i=$((i + 1)); done
    redis_up || { echo "Redis ne répond pas sur 127.0.0.1:6379." >&2; exit 1; }
fi
echo "PostgreSQL et Redis répondent."
