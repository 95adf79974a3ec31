#!/usr/bin/env bash
# The built wheel works where a user puts it: build it, install it in a fresh venv outside the tree
# (system site-packages supply the dependencies; callreview itself must come from the wheel), then,
# from an empty folder: list the shipped methodologies, review a transcript to an agenda, and check
# that the app answers Streamlit's health endpoint.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "wheel smoke: building the wheel"
# From a copy of the files git knows (tracked, or new and not ignored), so a stale build/ folder
# in a working tree cannot slip old modules into the wheel.
src="$repo"
if git -C "$repo" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  src="$work/src"
  mkdir "$src"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$src" -xf -
fi
"$python" -m pip wheel -q --no-deps -w "$work/dist" "$src"
wheel="$(ls "$work"/dist/callreview-*.whl)"

echo "wheel smoke: installing $(basename "$wheel") in a fresh venv"
"$python" -m venv --system-site-packages "$work/venv"
venv_python="$work/venv/bin/python"
"$venv_python" -m pip install -q --no-deps --force-reinstall "$wheel"

mkdir "$work/empty" "$work/home"
cd "$work/empty"
export CALLREVIEW_HOME="$work/home"
unset CALLREVIEW_METHODOLOGY_DIR || true

# callreview must be the wheel's copy, not a checkout or an editable install.
where="$("$venv_python" -c 'import review; print(review.__file__)')"
case "$where" in
  "$work/venv/"*) echo "wheel smoke: review imported from $where" ;;
  *) echo "wheel smoke: FAIL review imported from $where, not from the venv" >&2; exit 1 ;;
esac
callreview="$work/venv/bin/callreview"

"$callreview" methodology list > methodologies.txt
cat methodologies.txt
for id in bant challenger command_of_the_message discovery gap_selling meddpicc sandler spin; do
  grep -q "\b$id\b" methodologies.txt || { echo "wheel smoke: FAIL methodology $id not listed" >&2; exit 1; }
done

cp "$repo/tests/data/transcripts/teams_discovery.vtt" call.vtt
"$callreview" review call.vtt --methodology discovery --out out
test -s out/agenda.md || { echo "wheel smoke: FAIL no out/agenda.md" >&2; exit 1; }
grep -q "Set the Stage" out/agenda.md || { echo "wheel smoke: FAIL agenda.md has no SLED agenda" >&2; exit 1; }
echo "wheel smoke: reviewed call.vtt -> out/agenda.md ($(wc -l < out/agenda.md) lines)"

port="$("$venv_python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$callreview" app --headless --port "$port" > app.log 2>&1 &
app_pid=$!
if ! "$venv_python" - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/_stcore/health"
deadline = time.monotonic() + 90
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200 and response.read().strip() == b"ok":
                print(f"wheel smoke: {url} answered ok")
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit(f"wheel smoke: FAIL {url} did not answer within 90 s")
PY
then
  cat app.log >&2
  exit 1
fi
echo "wheel smoke: ok"
