# Sourced by ./wuxue and ./run-tests: make .venv on first use, reinstall when pyproject.toml or
# constraints.txt changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${WUXUE_EXTRAS:-}"
STAMP="$VENV/.installed-$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ]; then
  PY=""
  for cand in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then PY="$cand"; break; fi
  done
  [ -n "$PY" ] || { echo "wuxue needs Python 3.11 or newer (set PYTHON=/path/to/python3)" >&2; exit 1; }
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  echo "wuxue: installing into $VENV (first run or changed dependencies)…" >&2
  # A registry that hiccups once must not fail the run: up to three tries, a pause between them.
  for try in 1 2 3; do
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2 || true
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c "$ROOT/constraints.txt" \
      -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2 && break
    [ "$try" -lt 3 ] || { echo "wuxue: could not install the dependencies (3 tries)" >&2; exit 1; }
    echo "wuxue: install failed (try $try of 3), trying again in 10 s…" >&2
    sleep 10
  done
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi
