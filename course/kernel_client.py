"""Start a grading kernel by asking the kernel zygote for one (run with ``python -S``).

Starting Python and importing numpy, torch, matplotlib and ipykernel costs ~3 s of CPU per
kernel. While grading, a *zygote* process (``course.sandbox``, ``--zygote``) holds
these imports; this small script -- what jupyter_client actually launches -- hands it the
kernel's command line, environment and standard streams, and the zygote forks a kernel that
sets itself up exactly like a freshly started one (:func:`course.sandbox.main`).

This process stands in for the kernel towards jupyter_client: it forwards interrupts and
terminations, and lives exactly as long as the kernel does (a socket pair ties them: when
either dies, the other notices and exits). Without a zygote (``COURSE_GRADING_ZYGOTE``
unset or unreachable) it starts the kernel the slow way, in this very process.

Only the standard library is imported here, so that it starts in a few milliseconds.
"""
import json
import os
import signal
import socket
import sys

ZYGOTE_ENV = "COURSE_GRADING_ZYGOTE"


def _fallback(argv):
    os.execv(sys.executable, [sys.executable, "-m", "course.sandbox", *argv])


def main(argv):
    path = os.environ.get(ZYGOTE_ENV)
    if not path:
        _fallback(argv)
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
    except OSError:
        _fallback(argv)
    mine, theirs = socket.socketpair()
    request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(conn, [len(request).to_bytes(8, "big") + request], [0, 1, 2, theirs.fileno()])
    theirs.close()
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            sys.exit("grading kernel zygote closed the connection")
        reply += chunk
    conn.close()
    pid = json.loads(reply)["pid"]

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    while True:
        try:
            if not mine.recv(1):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    sys.exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
