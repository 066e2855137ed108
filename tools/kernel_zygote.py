"""Start the goldens' kernels by forking one warm process instead of starting Python for each notebook.

`make test` re-executes every golden under nbval, each in a new kernel. Before its first cell, a new
kernel spends most of its time starting Python and importing ipykernel, numpy, pandas and matplotlib
(about 3 s of the 4 to 6 s a chapter takes under nbval on the 2-core machine). Here one process per
pytest worker, the *zygote*, imports those third-party packages once (``WARM``); each kernel is a
fork of it, so it starts with them already in memory and then runs as any kernel does: a new
IPython kernel with its own namespace, in the notebook's folder, with the environment that
jupyter_client gave it. The zygote never imports the project's own code: every kernel imports
``src/dsv3`` itself, so a change there is always what the goldens run. ``conftest.py`` at the
repository root installs it for ``pytest --nbval``; ``DSV3_FRESH_KERNELS=1`` turns it off (one
plain ``python -m ipykernel_launcher`` per notebook, as the book build starts them).

Three processes per kernel:

- the *relay* (``kernel_zygote.py kernel -f CONNECTION_FILE``) is what jupyter_client launches, as
  the kernel spec's command. It starts in milliseconds (it imports nothing heavy), hands its
  command line, folder, environment and standard streams to the zygote over a Unix socket,
  forwards the signals it receives (interrupt, terminate), and exits with the kernel's exit status;
- a *monitor*, forked by the zygote for the request, which forks the kernel and watches both: it
  forwards the relay's signals, kills the kernel if the relay dies, and reports the kernel's exit;
- the *kernel*, which takes the relay's standard streams, folder and environment, and runs
  ``ipykernel``'s ``launch_new_instance`` as ``python -m ipykernel_launcher`` would.

    python tools/kernel_zygote.py serve SOCKET            # the zygote (started by conftest.py)
    python tools/kernel_zygote.py kernel -f CONNECTION    # one kernel (started by jupyter_client)
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback

# The socket of this worker's zygote, passed to the relay through the kernel spec's environment.
SOCKET_ENV = "DSV3_KERNEL_ZYGOTE"
INLINE = "module://matplotlib_inline.backend_inline"  # what ipykernel sets MPLBACKEND to (kernelapp.py)
# Third-party packages only, never dsv3. matplotlib_inline is left out on purpose: on import it hooks
# itself into the running IPython shell, which exists only in the kernel.
WARM = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
)
SIGNALS = {b"I": signal.SIGINT, b"T": signal.SIGTERM, b"H": signal.SIGHUP}
HEADER = struct.Struct("!I")


# --- the relay: what jupyter_client starts ------------------------------------------------------


def relay(argv: list[str]) -> int:
    """Ask the zygote for a kernel with this command line; forward signals; return its exit status."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ[SOCKET_ENV])
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    socket.send_fds(sock, [HEADER.pack(len(request)), request], [0, 1, 2])

    def forward(signum: int, _frame: object) -> None:
        code = {signal.SIGINT: b"I", signal.SIGTERM: b"T", signal.SIGHUP: b"H"}[signum]
        try:
            sock.sendall(code)
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = sock.recv(64)
        if not chunk:
            return 1  # the monitor went away without a status
        reply += chunk
    status = int(reply)
    return status if status >= 0 else 128 - status


# --- the zygote -----------------------------------------------------------------------------------


def serve(path: str) -> int:
    """Import the warm packages, then fork a monitor per request until standard input closes."""
    os.environ.setdefault("MPLBACKEND", INLINE)  # as the kernel would have it when matplotlib is imported
    for name in WARM:
        importlib.import_module(name)
    project = sorted(name for name in sys.modules if name == "dsv3" or name.startswith("dsv3."))
    if project:  # the kernels must import the project's code themselves
        raise RuntimeError(f"kernel_zygote: warming imported the project's own modules: {project}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the system
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1024):
            break  # the pytest worker closed our standard input: it is done
        if listener in ready:
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                _monitor(conn)  # never returns
            conn.close()
    listener.close()
    return 0


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    if len(data) < HEADER.size or len(fds) != 3:
        raise RuntimeError("kernel_zygote: malformed request from the relay")
    (size,) = HEADER.unpack(data[: HEADER.size])
    body = data[HEADER.size :]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise RuntimeError("kernel_zygote: the relay hung up mid-request")
        body += chunk
    return json.loads(body), fds


def _monitor(conn: socket.socket) -> None:
    """Fork the kernel, forward the relay's signals to it, and report its exit status to the relay."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # this process waits for its kernel
        request, fds = _receive(conn)
        kernel = os.fork()
        if kernel == 0:
            conn.close()
            _kernel(request, fds)  # never returns
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(kernel)
        while True:
            ready, _, _ = select.select([conn, pidfd], [], [])
            if pidfd in ready:
                _, wait_status = os.waitpid(kernel, 0)
                try:
                    conn.sendall(f"{os.waitstatus_to_exitcode(wait_status)}\n".encode())
                except OSError:
                    pass
                status = 0
                break
            data = conn.recv(64)
            if not data:  # the relay is gone (killed): so goes its kernel
                os.kill(kernel, signal.SIGKILL)
                continue
            for byte in data:
                os.kill(kernel, SIGNALS.get(bytes([byte]), signal.SIGTERM))
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(status)


def _kernel(request: dict, fds: list[int]) -> None:
    """Become the kernel: the relay's streams, folder, environment and command line; then ipykernel."""
    code: int = 1
    try:
        os.setsid()  # as jupyter_client starts kernels: a session of its own
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        del os.environ[SOCKET_ENV]  # the kernel's environment is the one a fresh kernel would get
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["argv"]]
        # sys.path[0] is this script's folder; `python -m ipykernel_launcher` removes the '' it put there.
        del sys.path[0]
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        importlib.import_module("ipykernel.kernelapp").launch_new_instance()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what interpreter shutdown would run (IPython's history, ...)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "serve":
        return serve(argv[1])
    if argv and argv[0] == "kernel":
        return relay(argv[1:])
    print(__doc__.split("\n\n")[-1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
