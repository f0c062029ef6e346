#!/usr/bin/env bash
# Installs Debian's SLURM and munge for the real-scheduler integration test (tests/test_slurm_cluster.py), and
# Debian's chromium for the report test (headless browser, tests/test_workflow.py).
# Idempotent and quiet. Never fails the caller: without root or apt-get it says why and exits 0, and the
# slurm tests then skip with their own reason.
set -uo pipefail

packages=(slurmctld slurmd slurm-client munge chromium)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_system: not root, cannot install ${missing[*]}; slurm and report tests will skip" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install_system: no apt-get, cannot install ${missing[*]}; slurm and report tests will skip" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() {
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/install_system.log 2>&1
}
# Update the package lists only if there are none yet or the install fails with the ones present.
status=1
if compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt_install && status=0
fi
if [ $status -ne 0 ]; then
  apt-get update -qq >/tmp/install_system.log 2>&1 && apt_install && status=0
fi
if [ $status -ne 0 ]; then
  echo "install_system: apt-get failed (see /tmp/install_system.log); slurm and report tests will skip" >&2
  tail -n 5 /tmp/install_system.log >&2
fi
# Package scripts try to start services; in containers policy-rc.d blocks that, and the test harness starts
# its own private daemons anyway.
exit 0
