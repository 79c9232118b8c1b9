#!/usr/bin/env bash
# Fetches Etalab's full « découpage administratif » (every EPCI and commune of France) into data/full/,
# which git ignores. The repository already ships these files, compressed, in data/territories/france/
# (the TERRITORY_DATA_DIR by default): this script is for a newer release. Change VERSION and SHA256,
# then either import it directly or rebuild the shipped files from it:
#
#   scripts/fetch_territories.sh   then   .venv/bin/python manage.py import_territories --data-dir data/full
#                                  or     python3 data/territories/make_data.py --source data/full
#
# The files come from the npm package @etalab/decoupage-administratif; the tarball is checked against
# its pinned SHA-256 before anything is unpacked.
set -euo pipefail

PACKAGE="@etalab/decoupage-administratif"
VERSION="6.0.0"
TARBALL="etalab-decoupage-administratif-${VERSION}.tgz"
SHA256="c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
destination="data/full"

command -v npm >/dev/null 2>&1 || die "npm is needed (Debian: apt-get install npm)."

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

say "Fetching ${PACKAGE}@${VERSION} from the npm registry"
# --ignore-scripts: only the tarball is wanted, nothing of the package is run.
npm pack "${PACKAGE}@${VERSION}" --pack-destination "$scratch" --ignore-scripts --silent >/dev/null
echo "${SHA256}  ${scratch}/${TARBALL}" | sha256sum --check --quiet \
    || die "${TARBALL} does not have the expected SHA-256: not unpacked."

tar -xzf "${scratch}/${TARBALL}" -C "$scratch"
mkdir -p "$destination"
cp "${scratch}/package/data/epci.json" "${scratch}/package/data/communes.json" \
    "${scratch}/package/data/departements.json" "${scratch}/package/LICENSE" "${scratch}/package/README.md" \
    "$destination/"

say "$(ls "$destination" | tr '\n' ' ')in ${destination}/"
echo "Now import them (about 10 s the first time), or rebuild the shipped files from them:"
echo "    .venv/bin/python manage.py import_territories --data-dir ${destination}"
echo "    python3 data/territories/make_data.py --source ${destination}"
