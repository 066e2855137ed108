"""pytest --nbval: the goldens' kernels are forks of one warm process per worker (tools/kernel_zygote.py).

Only the kernel's start changes: nbval still starts, drives and stops one new kernel per notebook
through jupyter_client, in the notebook's folder, and compares every output. DSV3_FRESH_KERNELS=1
starts each kernel as a plain `python -m ipykernel_launcher` instead, as do systems without
fork and pidfd_open (anything but Linux).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
ZYGOTE = ROOT / "tools" / "kernel_zygote.py"


def _load_zygote_module():
    spec = importlib.util.spec_from_file_location("kernel_zygote", ZYGOTE)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


class WarmKernels:
    """Patches nbval's current-environment kernel spec to start kernels through this worker's zygote."""

    def __init__(self) -> None:
        self.zygote = _load_zygote_module()
        self.process: subprocess.Popen[str] | None = None
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.socket = ""
        self.ready = False

    def launch(self) -> None:
        """Start the zygote (once per process); it imports its packages while pytest collects."""
        if self.process is not None:
            return
        self.folder = tempfile.TemporaryDirectory(prefix="dsv3-zygote-")
        self.socket = os.path.join(self.folder.name, "zygote.sock")
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE), "serve", self.socket],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.ready = False

    def wait_ready(self) -> None:
        """Before the first kernel: the zygote says "ready" once its imports are done."""
        self.launch()
        if self.ready:
            return
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"kernel zygote failed to start (said {line!r}); DSV3_FRESH_KERNELS=1 bypasses it")
        self.ready = True

    def stop(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None

    def install(self) -> None:
        nbval_kernel = importlib.import_module("nbval.kernel")
        manager = nbval_kernel.NbvalKernelspecManager
        original = manager.get_kernel_spec
        warm = self

        def get_kernel_spec(self, kernel_name):
            spec = original(self, kernel_name)
            if kernel_name != nbval_kernel.CURRENT_ENV_KERNEL_NAME:
                return spec
            warm.wait_ready()
            spec.argv = [sys.executable, str(ZYGOTE), "kernel", "-f", "{connection_file}"]
            spec.env = {**(spec.env or {}), warm.zygote.SOCKET_ENV: warm.socket}
            return spec

        manager.get_kernel_spec = get_kernel_spec


_WARM: WarmKernels | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _WARM
    forks = hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")  # Linux
    if getattr(config.option, "nbval", False) and forks and os.environ.get("DSV3_FRESH_KERNELS") != "1":
        _WARM = WarmKernels()
        _WARM.install()
        if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
            _WARM.launch()  # a process that runs notebooks (an xdist worker, or pytest without -n)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _WARM is not None:
        _WARM.stop()
