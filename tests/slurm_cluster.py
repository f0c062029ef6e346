"""A private single-node SLURM cluster on loopback, for testing the workflow under a real scheduler.

`local_slurm_cluster(workdir)` starts munged, slurmctld and slurmd (Debian's packages, see
.ci/install_system.sh) with configuration, state, logs and sockets under `workdir`, waits until jobs run,
yields the environment that points SLURM clients at it, and stops exactly the daemons it started.
`run_snakemake_on_slurm(...)` runs snakemake through workflow/profiles/slurm against such a cluster.
No pytest here: the tests turn `SlurmUnavailable` into a skip. Facts behind the choices:
shared/notes/local-slurm.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
SLURM_PROFILE = REPO / "workflow" / "profiles" / "slurm"
# The slurm-jobstep plugin drops SLURM_CONF before its inner srun, so srun inside a job only finds the
# configuration at this fixed path: we point a symlink there for the cluster's lifetime.
ETC_SLURM_CONF = Path("/etc/slurm/slurm.conf")
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sinfo", "srun", "sbatch", "squeue", "scancel", "scontrol")


class SlurmUnavailable(Exception):
    """This machine cannot host the private cluster; `reason` says why (the tests skip with it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _which(name: str) -> str | None:
    # Daemons live in /usr/sbin, which a non-login PATH may lack.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _etc_link_is_stale() -> bool:
    """True if /etc/slurm/slurm.conf is absent or a symlink left by a harness that is gone.

    A real file (a real SLURM installation) or a link of a harness still running is not ours to replace.
    """
    if not os.path.lexists(ETC_SLURM_CONF):
        return True
    if not ETC_SLURM_CONF.is_symlink():
        return False
    owner = Path(os.readlink(ETC_SLURM_CONF)).parent / "harness.pid"
    try:
        return not _pid_alive(int(owner.read_text()))
    except (OSError, ValueError):
        return True  # dangling link or no owner recorded: a leftover


def check_preconditions() -> dict[str, str]:
    """Binaries found, else `SlurmUnavailable` with the first reason the cluster cannot run here."""
    if os.geteuid() != 0:
        raise SlurmUnavailable("needs root (slurmd runs jobs as any user; /etc/slurm/slurm.conf is written)")
    paths = {name: _which(name) for name in DAEMONS + CLIENTS}
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        raise SlurmUnavailable(f"SLURM/munge not installed ({', '.join(missing)} missing; see .ci/install_system.sh)")
    host = socket.gethostname()
    try:
        address = socket.gethostbyname(host)
    except OSError as error:
        raise SlurmUnavailable(f"hostname {host!r} does not resolve: {error}") from error
    if not address.startswith("127."):
        # slurmd registers under the hostname; anything but loopback would expose the daemons.
        raise SlurmUnavailable(f"hostname {host!r} resolves to {address}, not loopback")
    if not _etc_link_is_stale():
        raise SlurmUnavailable(f"{ETC_SLURM_CONF} belongs to a real or running SLURM; not replacing it")
    return paths  # type: ignore[return-value]


def _free_ports(count: int) -> list[int]:
    """Unused ports below Linux's ephemeral range (32768+), so a leftover cluster or srun can't clash."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


def _node_line(slurmd: str, host: str) -> str:
    """The node as `slurmd -C` detects it, with RealMemory 10% below the detected value.

    slurmd drains a node that claims more memory than it has; a margin keeps it usable.
    """
    detected = subprocess.run([slurmd, "-C"], capture_output=True, text=True, timeout=30, check=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", detected.splitlines()[0]))
    keys = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore")
    hardware = " ".join(f"{k}={fields[k]}" for k in keys if k in fields)
    memory = int(int(fields["RealMemory"]) * 0.9)
    return f"NodeName={host} NodeAddr=127.0.0.1 {hardware} RealMemory={memory} State=UNKNOWN"


def _write_config(workdir: Path, paths: dict[str, str]) -> tuple[Path, Path]:
    """Munge key and slurm.conf under workdir; returns (slurm.conf, munge socket)."""
    for sub in ("etc", "munge", "state", "spool", "log", "run"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
        (workdir / sub).chmod(0o755)
    key = workdir / "etc" / "munge.key"
    key.write_bytes(os.urandom(128))  # munge wants >= 32 bytes, owner-only
    key.chmod(0o600)
    munge_socket = workdir / "munge" / "munge.socket"
    if len(str(munge_socket)) > 100 or len(str(workdir / "spool")) > 80:
        raise SlurmUnavailable(f"workdir {workdir} too long for unix socket paths (108 bytes)")
    ctld_port, slurmd_port = _free_ports(2)
    host = socket.gethostname()
    conf = workdir / "etc" / "slurm.conf"
    conf.write_text(
        f"""# Generated by tests/slurm_cluster.py: a private single-node cluster on loopback.
ClusterName=sgdnoise-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
# Listen on loopback only, never on all interfaces.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={workdir / 'state'}
SlurmdSpoolDir={workdir / 'spool'}
SlurmctldPidFile={workdir / 'run' / 'slurmctld.pid'}
SlurmdPidFile={workdir / 'run' / 'slurmd.pid'}
SlurmctldLogFile={workdir / 'log' / 'slurmctld.log'}
SlurmdLogFile={workdir / 'log' / 'slurmd.log'}
# No cgroups in containers: track processes by parent pid, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# Cores and memory are consumable, so several small jobs share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# No accounting (no slurmdbd): the profile queries job status with squeue, which only sees a finished
# job while slurmctld keeps it, MinJobAge seconds; the plugin wants >= 3 x its first status delay.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
ReturnToService=2
MailProg=/bin/true
{_node_line(paths['slurmd'], host)}
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
    )
    # Owner of the /etc symlink, so a later harness can tell a leftover link from a live one.
    (workdir / "etc" / "harness.pid").write_text(str(os.getpid()))
    return conf, munge_socket


def _link_etc_conf(conf: Path) -> None:
    ETC_SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    tmp = ETC_SLURM_CONF.with_name(f".slurm.conf.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(conf)
    os.replace(tmp, ETC_SLURM_CONF)  # atomic: never a moment without a config


def _unlink_etc_conf(conf: Path) -> None:
    if ETC_SLURM_CONF.is_symlink() and Path(os.readlink(ETC_SLURM_CONF)) == conf:
        ETC_SLURM_CONF.unlink()


def _daemon_logs(logs: Path, name: str, lines: int = 15) -> str:
    """Last lines of a daemon's log and of its stdout (where early errors such as config parsing land)."""
    parts = [f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
             for path in sorted(logs.glob(f"{name}.log*"))]
    return "\n".join(parts) or f"(no log of {name})"


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child before exec: if the harness itself is killed (SIGKILL, OOM), the kernel sends the
    # daemon SIGTERM, so no cluster is left behind. (Tied to the starting thread: start from the thread
    # that outlives the cluster, as a `with` block does.)
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    # Own session: a Ctrl-C meant for pytest or snakemake must not kill the daemons before teardown.
    with open(log, "ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True, preexec_fn=_die_with_parent)


def _wait_for(what: str, ready, procs: dict[str, subprocess.Popen], logs: Path, deadline: float) -> None:
    """Poll `ready()` until true; fail early with the log if a daemon died, or at the deadline."""
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for {what}:\n{_daemon_logs(logs, name)}")
        if ready():
            return
        if time.monotonic() > deadline:
            detail = "\n".join(_daemon_logs(logs, name) for name in procs)
            raise RuntimeError(f"SLURM cluster not ready within {START_TIMEOUT_S} s: waiting for {what}\n{detail}")
        time.sleep(0.5)


def _answers(args: list[str], env: dict[str, str], expect: str, timeout: float = 10) -> bool:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and expect in result.stdout


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(STOP_TIMEOUT_S)


def clean_slurm_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ without inherited SLURM client settings (e.g. when CI itself runs inside a job), plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SRUN_", "SQUEUE_"))}
    return {**base, **(env or {})}


@contextlib.contextmanager
def local_slurm_cluster(workdir: Path) -> Iterator[dict[str, str]]:
    """Start a private cluster under `workdir`; yield the environment for its clients (SLURM_CONF).

    Raises `SlurmUnavailable` if this machine cannot host it (nothing is started then), RuntimeError if
    a daemon fails to come up within START_TIMEOUT_S (its log tail is in the message).
    """
    paths = check_preconditions()
    workdir = Path(workdir).resolve()
    conf, munge_socket = _write_config(workdir, paths)
    client_env = {"SLURM_CONF": str(conf)}
    env = clean_slurm_env(client_env)
    logs = workdir / "log"
    procs: dict[str, subprocess.Popen] = {}
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    _link_etc_conf(conf)
    try:
        # --force: munged refuses a socket below a directory that is not world-executable, such as pytest's
        # 0700 temp root; every client here is root, so that check does not apply.
        procs["munged"] = _start(
            [paths["munged"], "--foreground", "--force", f"--socket={munge_socket}", f"--key-file={workdir / 'etc' / 'munge.key'}",
             f"--pid-file={workdir / 'run' / 'munged.pid'}", f"--seed-file={workdir / 'run' / 'munged.seed'}"],
            logs / "munged.log", env)
        _wait_for("munged's socket", munge_socket.exists, procs, logs, deadline)
        # -c: a fresh cluster, no saved state to recover.
        procs["slurmctld"] = _start([paths["slurmctld"], "-D", "-c", "-f", str(conf)], logs / "slurmctld.log.stdout", env)
        procs["slurmd"] = _start([paths["slurmd"], "-D", "-f", str(conf)], logs / "slurmd.log.stdout", env)
        _wait_for("an idle node in sinfo", lambda: _answers([paths["sinfo"], "-h", "-o", "%T"], env, "idle"), procs, logs, deadline)
        srun_hostname = [paths["srun"], "-N1", "-t", "1", "hostname"]
        _wait_for("srun hostname", lambda: _answers(srun_hostname, env, socket.gethostname(), timeout=20), procs, logs, deadline)
        print(f"local SLURM cluster up in {time.monotonic() - started:.1f} s (SLURM_CONF={conf})", file=sys.stderr)
        yield client_env
    finally:
        if "slurmctld" in procs and procs["slurmctld"].poll() is None:
            # Jobs left by an interrupted test would otherwise keep slurmstepd processes alive.
            with contextlib.suppress(subprocess.TimeoutExpired):
                subprocess.run([paths["scancel"], "--user=root"], env=env, capture_output=True, timeout=STOP_TIMEOUT_S)
        for name in reversed(list(procs)):  # slurmd, slurmctld, then munged that both authenticate with
            _stop(procs[name])
        _unlink_etc_conf(conf)


def snakemake_executable() -> str:
    """The snakemake of the running interpreter's environment (the project's venv), not whatever is on PATH."""
    return str(Path(sys.executable).parent / "snakemake")


def run_snakemake_locally(snakefile_dir: Path, extra_args: list[str], timeout_s: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake in `snakefile_dir` without SLURM, through workflow/profiles/default (as ./reproduce does)."""
    command = [snakemake_executable(), "--workflow-profile", str(REPO / "workflow" / "profiles" / "default"), *extra_args]
    return subprocess.run(command, cwd=snakefile_dir, env=clean_slurm_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, text=True, timeout=timeout_s)


def run_snakemake_on_slurm(
    snakefile_dir: Path, extra_args: list[str], env: dict[str, str], timeout_s: int = 600
) -> subprocess.CompletedProcess:
    """Run snakemake in `snakefile_dir` through workflow/profiles/slurm; output (stdout+stderr) in `.stdout`.

    `env` is what `local_slurm_cluster` yielded. `timeout -s INT`: snakemake ignores SIGTERM while waiting
    on jobs but cancels them and exits on SIGINT; `-k 10` kills it if even that hangs. Exit 124 = timed out.
    """
    command = [
        "timeout", "-s", "INT", "-k", "10", str(timeout_s),
        snakemake_executable(), "--workflow-profile", str(SLURM_PROFILE), "--executor", "slurm", *extra_args,
    ]
    return subprocess.run(command, cwd=snakefile_dir, env=clean_slurm_env(env), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
