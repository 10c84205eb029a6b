# Shared by scripts/demo and scripts/test: find Python >= 3.12, make .venv, install the pinned lock.
# Usage: source scripts/_env.sh main|dev
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK_KIND="${1:-main}"

find_python() {
    local candidates=("${MONCOMPTE_PYTHON:-}" python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        local root; root="$(pyenv root)"
        for v in "$root"/versions/3.13* "$root"/versions/3.12*; do
            [ -x "$v/bin/python3" ] && candidates+=("$v/bin/python3")
        done
    fi
    for c in "${candidates[@]}"; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            echo "$c"; return 0
        fi
    done
    return 1
}

if [ ! -x "$ROOT/.venv/bin/python" ]; then
    if ! PYTHON="$(find_python)"; then
        echo "moncompte a besoin de Python 3.12 ou plus récent (avec le module venv)." >&2
        echo "Aucun interpréteur convenable trouvé (essayé : python3.13, python3.12, python3, pyenv)." >&2
        echo "Installez-en un, ou indiquez-le : MONCOMPTE_PYTHON=/chemin/vers/python3.12 $0" >&2
        exit 1
    fi
    echo "→ Environnement virtuel .venv avec $("$PYTHON" --version)"
    "$PYTHON" -m venv "$ROOT/.venv"
fi

# pip in the background, its output in the log ($1); every 2 s, how many of the lock's packages it has reached
# (on one line in a terminal, a line every 10 s otherwise). Returns pip's status.
pip_with_progress() {
    local log="$1"; shift
    local total; total="$(grep -cE '^[A-Za-z0-9]' "$LOCK" || true)"
    "$ROOT/.venv/bin/python" -m pip install --progress-bar off "$@" >>"$log" 2>&1 &
    local pid=$! started=$SECONDS said=$((SECONDS - 10)) reached phase
    while kill -0 "$pid" 2>/dev/null; do
        sleep 2
        reached="$(grep -c '^Collecting ' "$log" || true)"
        phase="paquets téléchargés et vérifiés : $reached sur $total"
        if grep -q '^Installing collected packages' "$log"; then phase="installation des $total paquets"; fi
        if [ -t 1 ]; then
            printf '\r  … %s (%s s)   ' "$phase" "$((SECONDS - started))"
        elif [ $((SECONDS - said)) -ge 10 ]; then
            echo "  … $phase ($((SECONDS - started)) s)"; said=$SECONDS
        fi
    done
    if [ -t 1 ]; then printf '\n'; fi
    wait "$pid"
}

STAMP="$ROOT/.venv/.installed-$LOCK_KIND"
LOCK="$ROOT/requirements/$LOCK_KIND.lock"
if [ ! -f "$STAMP" ] || [ "$LOCK" -nt "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    echo "→ Installation des dépendances figées ($LOCK_KIND.lock) : quelques minutes la première fois"
    log="$(mktemp)"
    # pip's own output is kept in a log, shown only if something fails; the progress is said meanwhile.
    if ! { "$ROOT/.venv/bin/python" -m pip install --quiet --upgrade pip setuptools >"$log" 2>&1 \
        && pip_with_progress "$log" --require-hashes -r "$LOCK" \
        && "$ROOT/.venv/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$ROOT" >>"$log" 2>&1; }; then
        cat "$log" >&2
        echo "L'installation des dépendances a échoué (détails ci-dessus)." >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
    touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
