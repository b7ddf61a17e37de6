#!/usr/bin/env bash
# Start a throwaway Spark standalone cluster on 127.0.0.1 (one master, two workers of
# one core and 1g each) for the Spark-cluster parity test.
#
# Usage:  eval "$(scripts/start-test-spark.sh)"   # sets MERCWATCH_TEST_SPARK_MASTER (+ _UI)
#         ...run tests...
#         eval "$MERCWATCH_TEST_SPARK_STOP"        # stops the daemons and removes their files
#
# The pyspark wheel ships no start-master.sh/start-worker.sh, only spark-daemon.sh and
# spark-class, so the daemons are started the way those scripts would start them.
# PYTHON (default .venv/bin/python) is the interpreter whose pyspark provides Spark.
set -euo pipefail

python=${PYTHON:-.venv/bin/python}
if ! spark_home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null); then
    echo "start-test-spark: pyspark not importable with $python (pip install 'mercwatch[spark]')" >&2
    exit 1
fi
if ! command -v java >/dev/null; then
    echo "start-test-spark: no Java runtime (apt-get install -y openjdk-17-jre-headless)" >&2
    exit 1
fi
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mercwatch-spark.XXXXXX")
master_port=$(free_port)
master_ui=$(free_port)
master="spark://127.0.0.1:$master_port"
cat >"$dir/env.sh" <<ENV
export SPARK_HOME='$spark_home'
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOG_DIR='$dir/logs'
export SPARK_PID_DIR='$dir/pids'
export SPARK_IDENT_STRING=mercwatch-test
export SPARK_DAEMON_MEMORY=256m
export SPARK_CONF_DIR='$dir/conf'
ENV
mkdir -p "$dir/conf" "$dir/work"
# shellcheck disable=SC1091
. "$dir/env.sh"
daemon="$spark_home/sbin/spark-daemon.sh"
"$daemon" start org.apache.spark.deploy.master.Master 1 \
    --host 127.0.0.1 --port "$master_port" --webui-port "$master_ui" >/dev/null
for n in 1 2; do
    "$daemon" start org.apache.spark.deploy.worker.Worker "$n" \
        --host 127.0.0.1 --webui-port "$(free_port)" --cores 1 --memory 1g \
        --work-dir "$dir/work" "$master" >/dev/null
done
cat >"$dir/stop.sh" <<STOP
. '$dir/env.sh'
for n in 1 2; do '$daemon' stop org.apache.spark.deploy.worker.Worker \$n >/dev/null || true; done
'$daemon' stop org.apache.spark.deploy.master.Master 1 >/dev/null || true
rm -rf '$dir'
STOP

# Ready when the master reports both workers alive (at most 60 s).
if ! "$python" - "$master_ui" <<'PY'
import json, sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/json/"
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            if json.load(reply).get("aliveworkers", 0) >= 2:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit(1)
PY
then
    echo "start-test-spark: cluster not ready in 60 s; logs:" >&2
    tail -n 20 "$dir"/logs/* >&2 || true
    bash "$dir/stop.sh"
    exit 1
fi
echo "export MERCWATCH_TEST_SPARK_MASTER=$master"
echo "export MERCWATCH_TEST_SPARK_MASTER_UI=http://127.0.0.1:$master_ui"
echo "export MERCWATCH_TEST_SPARK_STOP='bash $dir/stop.sh'"
