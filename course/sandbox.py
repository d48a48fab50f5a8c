"""The grading kernel: an IPython kernel that runs a submission in a sandbox.

nbgrader starts this kernel (``python -m course.sandbox -f CONNECTION_FILE``) for
every submission it grades. The grader passes the settings in the environment variable
``COURSE_GRADING_SANDBOX`` (JSON, no secrets in it). Before any student code runs:

* **isolation** (as root): the kernel gets a private mount namespace in which ``/tmp`` and
  ``/dev/shm`` are fresh, small tmpfs, and the grader's work folder (gradebook, source
  notebooks), the submissions folder and every file of the repository that the kernel does
  not need (``notebooks/``, ``.git``, ``tests/`` ...) are covered by empty folders; it then
  drops to an unprivileged user id of its own. Hidden tests cannot be read from disk.
  Without root the kernel runs as the grader's user and the grader logs a warning.
* **limits**: address space, file size, processes, no core dumps.
* **guard** (:mod:`course.guard`): library state is snapshotted and restored around every
  graded test cell, student functions are wrapped, and an audit hook refuses tracing, memory
  access and code rewriting.

Pure-Python isolation inside one process cannot be perfect: code written specifically
against this guard's internals could still defeat it. What it stops is the obvious:
monkey-patching comparison and check functions, rebinding names, hooking IPython, lying
return values, patching at call time, and reading the hidden tests from disk.
"""
from __future__ import annotations

import ctypes
import json
import linecache
import os
import resource
import signal
import socket
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

from .guard import REPORT_PREFIX, TEST_MARK, Guard, audit_hook, report, resolve

__all__ = ["ENV_VAR", "TEST_MARK", "REPORT_PREFIX", "main"]

#: Environment variable carrying the sandbox settings (JSON) from the grader to the kernel.
ENV_VAR = "COURSE_GRADING_SANDBOX"
# ---------------------------------------------------------------------------------------
# process set-up (runs as root when isolation is possible)
# ---------------------------------------------------------------------------------------
_CLONE_NEWNS = 0x00020000
_MS_BIND, _MS_REC, _MS_PRIVATE, _MS_RDONLY, _MS_NOSUID, _MS_NODEV = 4096, 16384, 1 << 18, 1, 2, 4
_MS_MOVE = 8192


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    rc = libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                    data.encode() if data else None)
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _unreachable_ancestor(path: Path) -> Path | None:
    """Highest ancestor of ``path`` that other users cannot enter (no ``o+x``), if any."""
    for anc in reversed(path.parents):
        if anc == Path("/"):
            continue
        try:
            if not os.stat(anc).st_mode & 0o001:
                return anc
        except OSError:
            return None
    return None


def _private_tmp(libc: ctypes.CDLL, cfg: dict) -> None:
    """Mount a fresh tmpfs on /tmp, keeping visible what the kernel needs that lives below /tmp.

    The collection (its ``helpers`` package and ``.venv``) may itself be checked out below /tmp
    (a CI clone, say). The new tmpfs is first mounted on a staging folder, those folders are
    bind-mounted into it at their own paths, and the whole is then moved onto /tmp.
    """
    opts = f"size={cfg.get('tmp_mb', 512)}m,mode=1777"
    repo = Path(__file__).resolve().parents[1]
    needed = sorted({p for p in (repo, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve())
                     if Path("/tmp") in p.parents})
    if not needed:
        _mount(libc, "tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, opts)
        return
    stage = next((d for d in ("/mnt", "/media", "/opt", "/srv") if os.path.isdir(d)), None)
    if stage is None:
        raise OSError(2, "no folder to stage the private /tmp on")
    _mount(libc, "tmpfs", stage, "tmpfs", _MS_NOSUID | _MS_NODEV, opts)
    for p in needed:
        target = Path(stage) / p.relative_to("/tmp")
        if any(q in p.parents for q in needed):
            continue  # already inside a folder bound below
        target.mkdir(parents=True, exist_ok=True)
        _mount(libc, str(p), str(target), None, _MS_BIND | _MS_REC, None)
    os.chmod(stage, 0o1777)
    _mount(libc, stage, "/tmp", None, _MS_MOVE, None)


def _isolate(cfg: dict) -> Path:
    """New mount namespace with private /tmp; returns the kernel's base folder.

    When Python itself lives below a folder other users cannot enter (``/root/.pyenv``),
    that folder is replaced by an empty one holding only the Python installation.
    """
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    _mount(libc, "none", "/", None, _MS_REC | _MS_PRIVATE, None)
    _private_tmp(libc, cfg)
    if os.path.isdir("/dev/shm"):
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64m,mode=1777")
    pythons = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})
    blocked: dict[Path, list[Path]] = {}
    for p in pythons:
        anc = _unreachable_ancestor(p)
        if anc is not None:
            blocked.setdefault(anc, []).append(p)
    for anc, paths in blocked.items():
        staged = []
        for i, p in enumerate(paths):
            stage = Path(f"/tmp/.python-{i}")
            stage.mkdir()
            _mount(libc, str(p), str(stage), None, _MS_BIND | _MS_REC, None)
            staged.append((stage, p))
        _mount(libc, "tmpfs", str(anc), "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16k,mode=0755")
        for stage, p in staged:
            p.mkdir(parents=True, exist_ok=True)
            _mount(libc, str(stage), str(p), None, _MS_BIND | _MS_REC, None)
            libc.umount2(str(stage).encode(), 2)  # MNT_DETACH
            stage.rmdir()
    return Path("/tmp")


def _hide(cfg: dict, report_fd: int) -> None:
    libc = _libc()
    for path in cfg.get("hide", []):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                _mount(libc, "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=16k,mode=0755")
            elif os.path.isfile(path) and not os.path.islink(path):
                _mount(libc, "/dev/null", path, None, _MS_BIND, None)
        except OSError as err:
            report(report_fd, f"could not hide {path}: {err}")


def _limits(cfg: dict, isolated: bool) -> None:
    def setlim(which: int, value: int) -> None:
        try:
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    if cfg.get("memory_bytes"):
        setlim(resource.RLIMIT_AS, int(cfg["memory_bytes"]))
    setlim(resource.RLIMIT_CORE, 0)
    setlim(resource.RLIMIT_FSIZE, 1 << 30)
    if isolated:
        setlim(resource.RLIMIT_NPROC, 512)


def _font_caches() -> dict[str, bytes]:
    """matplotlib's font list of the grader's user, so that kernels need not rebuild it."""
    found = {}
    for cache in (Path.home() / ".cache/matplotlib", Path.home() / ".config/matplotlib"):
        if cache.is_dir():
            for f in cache.glob("fontlist*.json"):
                found[f.name] = f.read_bytes()
    return found


def _prepare_home(home: Path, uid: int | None, fonts: dict[str, bytes]) -> None:
    for sub in (".ipython", ".config/matplotlib", ".local/share/jupyter/runtime", "work"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for name, data in fonts.items():
        (home / ".config/matplotlib" / name).write_bytes(data)
    if uid is not None:
        for dirpath, _dirnames, filenames in os.walk(home):
            os.chown(dirpath, uid, uid)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), uid, uid)


def _preimport(cfg: dict, report_fd: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, module, attr in cfg.get("imports", []):
            try:
                resolve(module, attr)
            except Exception as err:  # noqa: BLE001
                report(report_fd, f"could not pre-import {module}: {err!r}")
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.kernelapp  # noqa: F401


def main(argv: list[str] | None = None, fonts: dict[str, bytes] | None = None,
         liveness: socket.socket | None = None) -> None:
    """Set up the sandbox, then run the IPython kernel (argv: ``-f CONNECTION_FILE ...``).

    ``fonts`` (matplotlib's font list) and ``liveness`` (a socket whose other end belongs to
    the process jupyter_client watches: the kernel exits when it closes) are given when the
    kernel is forked from the zygote.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--zygote":
        zygote(argv[1])
        return
    cfg = json.loads(os.environ.pop(ENV_VAR, "{}") or "{}")
    report_fd = os.dup(2)
    os.set_inheritable(report_fd, False)
    conn_path = argv[argv.index("-f") + 1]
    conn_text = Path(conn_path).read_text()
    uid = cfg.get("uid")
    fonts = _font_caches() if fonts is None else fonts
    isolated = False
    if uid is not None and os.geteuid() == 0:
        try:
            base = _isolate(cfg)
            isolated = True
        except OSError as err:
            report(report_fd, f"no mount namespace ({err}); running with a private user id only")
            base = Path(tempfile.mkdtemp(prefix="grading-kernel-"))
    else:
        base = Path(tempfile.mkdtemp(prefix="grading-kernel-"))
    home = base / f"kernel-{os.getpid()}"
    home.mkdir(mode=0o700)
    conn_copy = home / "kernel.json"
    conn_copy.write_text(conn_text)
    conn_copy.chmod(0o600)
    _prepare_home(home, uid if os.geteuid() == 0 and uid is not None else None, fonts)
    _preimport(cfg, report_fd)
    if isolated:
        _hide(cfg, report_fd)
    _limits(cfg, isolated)
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(int(uid))
        os.setuid(int(uid))
    os.environ.update(
        HOME=str(home), IPYTHONDIR=str(home / ".ipython"), MPLCONFIGDIR=str(home / ".config/matplotlib"),
        JUPYTER_RUNTIME_DIR=str(home / ".local/share/jupyter/runtime"), TMPDIR=str(base),
        USER="student", LOGNAME="student",
    )
    os.chdir(home / "work")
    tempfile.tempdir = None
    argv[argv.index("-f") + 1] = str(conn_copy)
    if liveness is not None:
        def watch() -> None:
            try:
                while liveness.recv(1):
                    pass
            finally:
                os._exit(1)

        threading.Thread(target=watch, name="grading-liveness", daemon=True).start()

    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp

    guard = Guard(cfg.get("imports", []), cfg.get("solution_names", []), report_fd)

    class GradingKernel(IPythonKernel):
        """IPython kernel that restores pristine state before each graded test cell."""

        async def do_execute(self, code, silent, store_history=True, user_expressions=None,
                             allow_stdin=False, **kwargs):
            if not guard.ready:
                guard.snapshot(self.shell, self)
                sys.addaudithook(audit_hook(guard))
            is_test = code.endswith(TEST_MARK)
            if is_test:
                # a test cell leaves no trace of its (hidden) source: not in In/_ih, not in linecache
                code = code[: -len(TEST_MARK)]
                store_history = False
                guard.enter_test()
                compiler = self.shell.compile
                original_cache = type(compiler).cache

                def cache_nothing(transformed_code, number=0, raw_code=None):
                    name = original_cache(compiler, transformed_code, number, raw_code)
                    linecache.cache.pop(name, None)
                    return name

                compiler.__dict__["cache"] = cache_nothing
            try:
                reply = await super().do_execute(code, silent, store_history, user_expressions,
                                                 allow_stdin, **kwargs)
            finally:
                if is_test:
                    compiler.__dict__.pop("cache", None)
                tampered = guard.exit_test() if is_test else []
            if tampered:
                what = "; ".join(sorted(set(tampered))[:6])
                report(report_fd, "tampering during a graded test cell: " + what)
                msg = ("the grading kernel found library state or the test's own variables "
                       "changed while this test ran; the test scores 0")
                self.shell._showtraceback(PermissionError, PermissionError(msg),
                                          [f"PermissionError: {msg}"])
                reply = {"status": "error", "ename": "PermissionError", "evalue": msg, "traceback": [],
                         "execution_count": self.shell.execution_count, "user_expressions": {},
                         "payload": []}
            return reply

    try:  # die with nbgrader, whoever we are now
        _libc().prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:  # noqa: BLE001
        pass
    sys.argv = [sys.argv[0], *argv]
    IPKernelApp.launch_instance(argv=argv, kernel_class=GradingKernel)


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 4)
    while len(data) < 8 or len(data) < 8 + int.from_bytes(data[:8], "big"):
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise ConnectionError("short request")
        data += chunk
    size = int.from_bytes(data[:8], "big")
    return json.loads(data[8:8 + size]), fds


def zygote(socket_path: str) -> None:
    """Pre-import the kernel's modules once, then fork one kernel per request.

    Requests come from :mod:`course.kernel_client` over the Unix socket
    ``socket_path`` (the grader's private folder: only root reaches it).
    """
    cfg = json.loads(os.environ.get(ENV_VAR, "{}") or "{}")
    _preimport(cfg, None)
    from ipykernel.ipkernel import IPythonKernel  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    fonts = _font_caches()
    def reap(signum: int, frame: Any) -> None:  # reap kernels (their CPU time then counts as ours)
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    signal.signal(signal.SIGCHLD, reap)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path + ".tmp")
    os.chmod(socket_path + ".tmp", 0o600)
    listener.listen(16)
    os.rename(socket_path + ".tmp", socket_path)
    while True:
        conn, _ = listener.accept()
        try:
            request, fds = _recv_request(conn)
        except (OSError, ValueError):
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the kernel
            code = 1
            try:
                listener.close()
                conn.close()
                os.setsid()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for i, fd in enumerate(fds[:3]):
                    os.dup2(fd, i)
                liveness = socket.socket(fileno=fds[3])
                for fd in fds[:3]:
                    os.close(fd)
                os.environ.clear()
                os.environ.update(request["env"])
                try:
                    os.chdir(request["cwd"])
                except OSError:
                    pass
                sys.argv = [__file__, *request["argv"]]
                main(list(request["argv"]), fonts=fonts, liveness=liveness)
                code = 0
            except SystemExit as err:
                code = err.code if isinstance(err.code, int) else 0
            except BaseException:  # noqa: BLE001
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            pass
        conn.close()


if __name__ == "__main__":
    main()
