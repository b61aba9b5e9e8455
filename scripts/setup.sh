#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), then configures and builds
# migflow in ./build. Idempotent: does nothing that is already done.
#   scripts/setup.sh            build dependencies only
#   scripts/setup.sh --tests    also what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc meson ninja-build pkg-config libgsl-dev libhdf5-dev libyaml-dev)
if [[ "${1:-}" == "--tests" ]]; then
	packages+=(libcmocka-dev python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf)
	# tests/test_netcdf_tools.py: the files as ncdump, ncks, udunits2 and
	# xarray's netcdf4 engine read them.
	packages+=(netcdf-bin nco udunits-bin python3-netcdf4)
	# The MPI build of `migflow batch` (scripts/test.sh builds build-mpi) and
	# the plots that `migflow compare --png` draws.
	packages+=(openmpi-bin libopenmpi-dev python3-matplotlib)
	# scripts/: flow maps on Natural Earth (geopandas), the example notebook.
	packages+=(python3-geopandas python3-nbclient python3-nbformat python3-ipykernel)
	# tests/test_bindings.py (migflow.run from Python) runs under pytest.
	packages+=(python3-pytest)
	# scripts/fuzz.sh: clang 14 with libFuzzer (libclang-rt-14-dev holds its runtime).
	packages+=(clang libclang-rt-14-dev)
	# tests/test_report.py: the briefing page opened in headless Chromium.
	packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
	meson setup build --buildtype=release -Dwerror=true >/dev/null
elif ((${#missing[@]})); then
	# New packages (cmocka) may enable parts of the build: look again.
	meson setup --reconfigure build >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built $(build/src/cli/migflow --version)"
