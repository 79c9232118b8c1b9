#!/usr/bin/env bash
# Installs everything the portal needs on a Debian 12 machine, idempotently (`make install`).
#
#   1. Debian packages (chromium, poppler-utils, gettext, fonts, WeasyPrint's pango): apt-get runs
#      only when one of them is missing, because `apt-get update` is slow.
#   2. The virtualenv .venv with requirements-dev.txt (the lock: every package pinned with hashes,
#      compiled by `make lock` from requirements*.in): pip runs only when the lock (or the Python
#      version) changed since the last install (stamp file .venv/.install-stamp).
#   3. The vendored front-end libraries: `npm ci` from package-lock.json, then a copy of the few
#      dist files into static/vendor/ (never a CDN: the portal runs on intranets, RGPD).
#   4. Translations: `compilemessages` when the repository has .po files.
#
# Environment: PYTHON (interpreter for the venv, default python3), SKIP_APT=1 (never call apt-get).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mwarning: %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        return 1
    fi
}

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --- 1. Debian packages ------------------------------------------------------------------------
# chromium: Playwright's browser journeys (playwright cannot download its own browsers here).
# poppler-utils: pdftotext/pdftoppm/pdfsig to check generated and signed PDFs.
# gettext: msgfmt for compilemessages.
# fonts-liberation2: metric-compatible Arial/Times for the PDFs (only DejaVu is there by default).
# libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0: WeasyPrint's text layout (pango >= 1.44).
# libnss3-tools: certutil, to let pdfsig trust a test signing certificate.
# wrk: the HTTP load tool of `make bench-national`.
APT_PACKAGES=(chromium poppler-utils gettext fonts-liberation2 libpango-1.0-0 libpangoft2-1.0-0
    libharfbuzz-subset0 libnss3-tools wrk)
apt_ran=0

is_installed() { [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]; }

install_debian_packages() {
    local missing=() pkg
    if ! command -v dpkg-query >/dev/null 2>&1; then
        warn "not a Debian system: install by hand ${APT_PACKAGES[*]} and npm"
        return
    fi
    for pkg in "${APT_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    # Debian's npm (with its nodejs) only if no npm at all: a NodeSource nodejs already ships npm.
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    # A Debian python3 needs python3-venv for `python3 -m venv` (pyenv's Pythons do not).
    if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        missing+=(python3-venv)
    fi
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    if [ "${SKIP_APT:-0}" = 1 ]; then
        warn "SKIP_APT=1: not installing missing Debian packages: ${missing[*]}"
        return
    fi
    say "Debian packages missing: ${missing[*]}"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}")
    # Try with the package lists already on the machine first: `apt-get update` is the slow part.
    if ! as_root "${apt[@]}"; then
        as_root apt-get update -q || die "apt-get update failed (are you root, or is sudo available?)"
        as_root "${apt[@]}" || die "apt-get install ${missing[*]} failed"
    fi
    apt_ran=1
}

# --- 2. Virtualenv -----------------------------------------------------------------------------
install_venv() {
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON=/path/to/python3.11)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); Django 5.2 and this project need Python >= 3.11"

    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        say "Creating the virtualenv in .venv ($("$PYTHON" -V 2>&1))"
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local stamp_file="$VENV/.install-stamp" wanted
    wanted="$(sha requirements.txt requirements-dev.txt) $("$VENV/bin/python" -V 2>&1)"
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$wanted" ]; then
        return
    fi
    say "Installing Python packages (requirements-dev.txt, every package pinned with its hashes)"
    # --require-hashes: the lock names every package, transitive ones included, with the hashes of
    # its files on PyPI; pip refuses anything else, so every machine gets the same bytes on any day.
    # PIP_CONFIG_FILE=/dev/null and no PIP_FIND_LINKS: a machine-wide pip.conf or wheel folder must not
    # substitute locally built files (their hashes would not match the lock).
    env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        --require-hashes --only-binary=:all: -r requirements-dev.txt
    check_weasyprint
    echo "$wanted" >"$stamp_file"
}

check_weasyprint() {
    local pdf
    pdf=$(mktemp --suffix=.pdf)
    "$VENV/bin/python" - "$pdf" <<'EOF' || die "WeasyPrint cannot render a PDF (pango/harfbuzz missing?)"
import sys

import weasyprint

weasyprint.HTML(string="<p>Convention territoriale globale : été, Cahors, Lot.</p>").write_pdf(sys.argv[1])
EOF
    if command -v pdftotext >/dev/null 2>&1 && ! pdftotext "$pdf" - | grep -q "été"; then
        die "WeasyPrint's PDF does not contain the expected French text"
    fi
    rm -f "$pdf"
}

# --- 3. Front-end libraries --------------------------------------------------------------------
# Bump when the list of copied files changes, so existing checkouts copy again.
ASSETS_LAYOUT=2
VENDOR="$ROOT/static/vendor"
VENDOR_FILES=(
    bootstrap/bootstrap.min.css bootstrap/bootstrap.min.css.map
    bootstrap/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js.map
    bootstrap-icons/bootstrap-icons.min.css
    bootstrap-icons/fonts/bootstrap-icons.woff2 bootstrap-icons/fonts/bootstrap-icons.woff
    htmx/htmx.min.js
)

install_assets() {
    local stamp_file="$VENDOR/.install-stamp" wanted file complete=1
    wanted="$(sha package-lock.json) layout-$ASSETS_LAYOUT"
    for file in "${VENDOR_FILES[@]}"; do
        [ -f "$VENDOR/$file" ] || complete=0
    done
    if [ $complete = 1 ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$wanted" ]; then
        return
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install npm)"
    say "Installing front-end libraries (npm ci) into static/vendor/"
    # --omit=peer: bootstrap's peer @popperjs/core is already inside bootstrap.bundle.min.js.
    npm ci --ignore-scripts --no-audit --no-fund --omit=peer --loglevel=error

    local tmp="$VENDOR.tmp" nm="$ROOT/node_modules"
    rm -rf "$tmp"
    mkdir -p "$tmp/bootstrap" "$tmp/bootstrap-icons/fonts" "$tmp/htmx"
    # The source maps go along: the CSS and JS name them, and collectstatic's manifest storage
    # refuses a reference to a missing file.
    cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$nm/bootstrap/dist/css/bootstrap.min.css.map" \
        "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" "$nm/bootstrap/dist/js/bootstrap.bundle.min.js.map" \
        "$tmp/bootstrap/"
    cp "$nm/bootstrap/LICENSE" "$tmp/bootstrap/LICENSE.txt"
    cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" "$tmp/bootstrap-icons/"
    cp "$nm/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$nm/bootstrap-icons/font/fonts/bootstrap-icons.woff" \
        "$tmp/bootstrap-icons/fonts/"
    cp "$nm/bootstrap-icons/LICENSE" "$tmp/bootstrap-icons/LICENSE.txt"
    cp "$nm/htmx.org/dist/htmx.min.js" "$tmp/htmx/"
    cp "$nm/htmx.org/LICENSE" "$tmp/htmx/LICENSE.txt"
    for file in "${VENDOR_FILES[@]}"; do
        [ -f "$tmp/$file" ] || die "static/vendor/$file was not produced"
    done
    echo "$wanted" >"$tmp/.install-stamp"
    rm -rf "$VENDOR"
    mv "$tmp" "$VENDOR"
}

# --- 4. Translations ---------------------------------------------------------------------------
compile_translations() {
    local po catalogues=() stale=0
    mapfile -t catalogues < <(find . \( -path ./.venv -o -path ./node_modules -o -path ./.git \) -prune \
        -o -name '*.po' -print)
    if [ ${#catalogues[@]} -eq 0 ]; then
        echo "No .po file yet: nothing to compile."
        return
    fi
    for po in "${catalogues[@]}"; do
        [ "${po%.po}.mo" -nt "$po" ] || stale=1
    done
    [ $stale = 1 ] || return 0
    command -v msgfmt >/dev/null 2>&1 || die "msgfmt not found (apt-get install gettext)"
    # Without --ignore, compilemessages would also walk .venv and recompile Django's own catalogues.
    SECRET_KEY=${SECRET_KEY:-install-only-not-a-secret} "$VENV/bin/python" manage.py compilemessages \
        --ignore=.venv --ignore=node_modules --ignore=.git --ignore=staticfiles --verbosity=0
}

install_debian_packages
install_venv
if [ $apt_ran = 1 ]; then
    check_weasyprint
fi
install_assets
compile_translations
# A local secret key, so that `manage.py` works in this checkout without exporting one; the file is
# ignored by git and never overrides a SECRET_KEY set in the environment (production, CI).
if [ ! -f .env ]; then
    printf 'SECRET_KEY=%s\n' "$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
    chmod 600 .env
fi
# SQLite database and private media of `make run` live here (ignored by git).
mkdir -p var
say "Installation up to date."
