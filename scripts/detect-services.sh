# Sourced by `make test`: point the suite at PostgreSQL and Redis on 127.0.0.1 when they answer and the
# environment does not already say where they are. Prints what the suite will use.
_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${DATABASE_URL:-}" ] && _port_open 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/amtportal"
fi
if [ -z "${REDIS_URL:-}" ] && _port_open 6379; then
  export REDIS_URL="redis://127.0.0.1:6379/9"
fi
echo "make test: database ${DATABASE_URL:-SQLite (no PostgreSQL found)}; broker ${REDIS_URL:-none (no Redis found)}"
