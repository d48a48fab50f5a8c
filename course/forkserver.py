"""Run many ``nbgrader`` commands without paying nbgrader's start-up each time.

Importing nbgrader costs ~3 s of CPU, as much as a small notebook. :class:`NbgraderServer`
starts one helper process that imports nbgrader once; each command is then run in a fresh
``fork()`` of it -- a new process with its own state, its own session and its output in its
own log file -- so jobs stay as isolated from each other as separate ``nbgrader`` runs.

The protocol is one JSON object per line: the request ``{"args", "cwd", "env", "log",
"timeout"}`` and the reply ``{"rc": int or null}`` (null: killed at the timeout).
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

__all__ = ["NbgraderServer"]


def _child(job: dict) -> None:  # pragma: no cover -- runs in the forked process
    code = 1
    try:
        os.setsid()
        fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(job["cwd"])
        os.environ.update(job.get("env", {}))
        sys.argv = ["nbgrader", *job["args"]]
        from nbgrader.apps.nbgraderapp import main

        main()
        code = 0
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve() -> None:  # pragma: no cover -- runs in the helper process
    """Read jobs on stdin, run each in a fork, answer on stdout."""
    import nbclient  # noqa: F401
    import nbgrader.apps.nbgraderapp  # noqa: F401 -- the point: import once
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    from . import nbgrader_plugins  # noqa: F401

    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job)
        deadline = time.monotonic() + float(job.get("timeout") or 1e9)
        rc = None
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                break
            time.sleep(0.05)
        out.write(json.dumps({"rc": rc}) + "\n")
        out.flush()


class NbgraderServer:
    """A helper process that runs ``nbgrader`` commands in forks of itself.

    Parameters
    ----------
    env : dict
        Environment of the helper process (each job may add variables).
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "course.forkserver"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=self.env, text=True, start_new_session=True,
            )
        return self.proc

    def run(self, args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
        """Run ``nbgrader ARGS`` in ``cwd``; return (exit code or None on timeout, its output)."""
        log = Path(cwd) / ".nbgrader-run.log"
        job = {"args": args, "cwd": str(cwd), "env": env, "log": str(log), "timeout": timeout}
        for attempt in (1, 2):
            proc = self._start()
            try:
                proc.stdin.write(json.dumps(job) + "\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], timeout + 60)
                line = proc.stdout.readline() if ready else ""
            except (BrokenPipeError, OSError):
                line = ""
            if line:
                rc = json.loads(line)["rc"]
                break
            self.close(kill=True)
            if attempt == 2:
                rc = None
        text = log.read_text(errors="replace") if log.exists() else ""
        return rc, text

    def close(self, kill: bool = False) -> None:
        """Stop the helper process."""
        if self.proc is None:
            return
        try:
            if kill:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc = None


if __name__ == "__main__":
    serve()
