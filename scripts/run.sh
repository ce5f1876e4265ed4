#!/bin/sh
# `make run`: the web server and the job queue's consumer (flask jobs) together. Ctrl-C stops
# both; if either one ends, the other is stopped too, so no process is left behind.
set -u
BIN=${BIN:-.venv/bin}

"$BIN/flask" jobs &
jobs_pid=$!
"$BIN/flask" run --host 127.0.0.1 --port "${PORT:-5000}" &
web_pid=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$jobs_pid" "$web_pid" 2>/dev/null
    wait "$jobs_pid" "$web_pid" 2>/dev/null
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

while kill -0 "$jobs_pid" 2>/dev/null && kill -0 "$web_pid" 2>/dev/null; do
    sleep 1
done
