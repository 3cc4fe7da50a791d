"""One-node SLURM on localhost: submits slurm/run.sbatch and a two-point sweep (array job plus
dependent merge job) with the smoke codebooks configuration, waits, checks the HDF5 results
with h5py, and checks that resubmitting the sweep skips the complete points.

The cluster is private to the test: slurm.conf, state and spool live in a temp folder, munged
uses its own socket, and the daemons are started in the background and stopped by PID."""
import os
import shutil
import signal
import socket
import subprocess
import time

import h5py
import numpy as np
import pytest

SRC = os.environ.get("RAPIDNN_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
RAPIDNN = os.environ.get("RAPIDNN_BIN", os.path.join(SRC, "build", "bin", "rapidnn"))
SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]


def find(program):
    path = shutil.which(program, path=os.pathsep.join(SBIN + [os.environ.get("PATH", "")]))
    assert path, (f"{program} not found: this test needs a local SLURM (apt-get install slurm-wlm munge); "
                  "it does not skip")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.env = dict(os.environ)

    def start(self):
        munged, slurmctld, slurmd = find("munged"), find("slurmctld"), find("slurmd")
        find("sbatch")
        t = self.tmp
        for d in ("etc", "state", "spool", "log", "munge"):
            os.makedirs(os.path.join(t, d), exist_ok=True)
        os.chmod(os.path.join(t, "munge"), 0o700)
        key = os.path.join(t, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(128))
        os.chmod(key, 0o400)
        sock = os.path.join(t, "munge", "munge.sock")
        self.spawn([munged, "-F", "--force", f"--socket={sock}", f"--key-file={key}",
                    f"--pid-file={t}/munge/munged.pid", f"--log-file={t}/log/munged.log",
                    f"--seed-file={t}/munge/munged.seed"], "munged")
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        conf = os.path.join(t, "etc", "slurm.conf")
        ctld_port, d_port = free_port(), free_port()
        with open(conf, "w") as f:
            f.write(f"""ClusterName=rapidnntest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={t}/state
SlurmdSpoolDir={t}/spool
SlurmctldPidFile={t}/state/slurmctld.pid
SlurmdPidFile={t}/spool/slurmd.pid
SlurmctldLogFile={t}/log/slurmctld.log
SlurmdLogFile={t}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
EnforcePartLimits=ALL
MinJobAge=4
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
        self.env["SLURM_CONF"] = conf
        self.spawn([slurmctld, "-D", "-i", "-f", conf], "slurmctld")
        self.spawn([slurmd, "-D", "-f", conf], "slurmd")
        deadline = time.time() + 30
        while time.time() < deadline:
            r = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip() in ("idle", "mixed", "allocated"):
                return
            time.sleep(0.2)
        raise AssertionError("SLURM did not come up:\n" + self.logs())

    def spawn(self, argv, name):
        log = open(os.path.join(self.tmp, "log", f"{name}.stdout"), "w")
        self.procs.append((name, subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT)))

    def logs(self):
        out = []
        for name in ("slurmctld.log", "slurmd.log", "munged.log", "slurmctld.stdout", "slurmd.stdout"):
            p = os.path.join(self.tmp, "log", name)
            if os.path.exists(p):
                with open(p) as f:
                    out.append(f"--- {name}\n" + "".join(f.readlines()[-30:]))
        return "\n".join(out)

    def stop(self):
        for name, p in reversed(self.procs):  # slurmd, slurmctld, munged: each by its own PID
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def run(self, argv, cwd):
        r = subprocess.run(argv, env=self.env, cwd=cwd, capture_output=True, text=True)
        assert r.returncode == 0, f"{argv} failed:\n{r.stdout}\n{r.stderr}"
        return r.stdout

    def wait_all(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            q = subprocess.run(["squeue", "-h", "-o", "%i %T"], env=self.env, capture_output=True, text=True)
            if q.returncode == 0 and not q.stdout.strip():
                return
            time.sleep(0.5)
        raise AssertionError("jobs did not finish:\n" + q.stdout + self.logs())


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(str(tmp_path))
    try:
        c.start()
        yield c
    finally:
        c.stop()


def check_codebooks(g, ranks):
    assert g["codebooks"].attrs["ranks"] == ranks
    cents = g["codebooks/flat/centroids"][...]
    layer = g["codebooks/problems/layer"][...]
    assert cents.shape == (3, 16)  # mnist_mlp: fc1, fc2 sharded; fc3 whole
    assert list(g["codebooks/problems/sharded"][...]) == [1, 1, 0]
    assert sorted(layer) == [0, 1, 2]
    assert np.all(np.diff(cents, axis=1) > 0)  # ascending centroids
    assert g["codebooks/tree/level_4/centroids"].shape == (3, 16)
    assert g["codebooks/ranks/total_s"].shape == (ranks,)
    return cents


def test_sbatch_and_sweep(cluster, tmp_path):
    assert os.path.exists(RAPIDNN), f"rapidnn binary not found at {RAPIDNN} (set RAPIDNN_BIN)"
    work = str(tmp_path / "work")
    os.makedirs(work)
    cluster.env["RAPIDNN_BIN"] = RAPIDNN
    smoke = os.path.join(SRC, "configs", "smoke", "codebooks.toml")

    # 1. any config through slurm/run.sbatch on 2 ranks (srun --mpi=pmix).
    single = os.path.join(work, "single.h5")
    cluster.run(["sbatch", "--ntasks=2", f"--output={work}/run-%j.out",
                 os.path.join(SRC, "slurm", "run.sbatch"), smoke, single], cwd=work)

    # 2. a two-point sweep over k, with its merge step.
    sweep = os.path.join(work, "sweep.toml")
    with open(sweep, "w") as f:
        f.write(f'base = "{smoke}"\n[grid]\n"codebooks.k" = [8, 16]\n')
    sweep_dir = os.path.join(work, "sweep")
    out = cluster.run([os.path.join(SRC, "slurm", "sweep.sh"), sweep, sweep_dir, "--ntasks=2"], cwd=work)
    assert "array job" in out and "points 0,1" in out, out
    cluster.wait_all(timeout=90)

    with h5py.File(single, "r") as f:
        cents = check_codebooks(f, 2)
    merged = os.path.join(sweep_dir, "merged.h5")
    assert os.path.exists(merged), "merge job did not write merged.h5:\n" + cluster.logs() + "\n" + \
        "\n".join(open(os.path.join(sweep_dir, n)).read() for n in os.listdir(sweep_dir) if n.endswith(".out"))
    with h5py.File(merged, "r") as f:
        assert list(f["sweep/codebooks.k"][...]) == [8, 16]
        assert f["points/point_0000/codebooks/flat/centroids"].shape == (3, 8)
        # The k = 16 point is the smoke config itself: bit-identical to the sbatch run.
        assert np.array_equal(f["points/point_0001/codebooks/flat/centroids"][...], cents)
        assert "config" in f["points/point_0001/rapidnn"].attrs or "config" in f["points/point_0001/rapidnn"]

    # 3. resubmitting skips the complete points (and the up-to-date merge).
    out = cluster.run([os.path.join(SRC, "slurm", "sweep.sh"), sweep, sweep_dir, "--ntasks=2"], cwd=work)
    assert "all points complete, no array job" in out and "up to date" in out, out
