import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("RAPIDNN_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
RAPIDNN = os.environ.get("RAPIDNN_BIN", str(SOURCE_DIR / "build" / "bin" / "rapidnn"))
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")


def run(args, ranks=None, timeout=300, cwd=None, env=None):
    """Runs rapidnn (under mpiexec -n ranks when given, else as a single process without
    mpiexec); returns the CompletedProcess. `env` adds environment variables."""
    cmd = [RAPIDNN, *map(str, args)]
    if ranks:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", "--bind-to", "none", *cmd]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", **(env or {}))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


@pytest.fixture
def rapidnn():
    return run


@pytest.fixture
def source_dir():
    return SOURCE_DIR
