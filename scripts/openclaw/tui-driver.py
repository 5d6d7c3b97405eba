#!/usr/bin/env python3
"""Drive OpenClaw's embedded terminal UI (`openclaw tui --local`) through a pseudo-terminal.

    tui-driver.py --allow SUBSTRING --deny SUBSTRING --final TEXT --log FILE
                  [--timeout SECONDS] -- openclaw tui --local --message ... [args]

Runs the command in a pty (400 columns, so that a request's description is one line), reads
its screen output with the ANSI escape sequences removed, and answers each plugin approval
overlay the TUI shows (OpenClaw 2026.9.6 dist/tui-*.mjs, "tui-plugin-approvals": a title,
"Request: <description>", a selector Allow once / Always allow / Deny that starts on Deny;
an allow needs Enter twice, the second confirming): when the description after the latest
"Request:" contains --allow: Up, Up, Enter, Enter (allow-once); when it contains --deny:
Enter (deny). Once --final appears (after the last answer, if any), sends Ctrl-C twice to
leave the TUI. Writes what it saw and did to --log: the stripped screen text, then "# approval
overlay lines seen: N" (lines with "Request:"), one "# action <decision>" line per answer and "# result ok|incomplete".
Exit 0 when --final was seen; 1 otherwise (timeout). The caller checks the answers.
"""
import argparse
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import fcntl
import time

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--allow", required=True)
    ap.add_argument("--deny", required=True)
    ap.add_argument("--final", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "400", "60"
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 400, 0, 0))

    text = b""
    mark = 0  # answers only look at output after the previous answer
    answered = {"allow": False, "deny": False}
    actions = []
    pending_send = []  # (time, bytes)
    deadline = time.monotonic() + a.timeout
    ok = False
    final_seen_at = None
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            text += ANSI.sub(b"", chunk).replace(b"\r", b"")
        now = time.monotonic()
        while pending_send and pending_send[0][0] <= now:
            os.write(fd, pending_send.pop(0)[1])
        if pending_send:
            continue
        tail = text[mark:]
        i = tail.rfind(b"Request:")
        if i >= 0:
            line = tail[i:].split(b"\n", 1)[0]
            if not answered["allow"] and a.allow.encode() in line:
                answered["allow"] = True
                actions.append("allow-once")
                pending_send += [(now + 0.3, b"\x1b[A"), (now + 0.6, b"\x1b[A"), (now + 0.9, b"\r"), (now + 1.4, b"\r")]
                mark = len(text)
            elif not answered["deny"] and a.deny.encode() in line:
                answered["deny"] = True
                actions.append("deny")
                pending_send += [(now + 0.3, b"\r")]
                mark = len(text)
        if a.final.encode() in text[mark:] and final_seen_at is None:
            final_seen_at = now
            ok = True
            pending_send += [(now + 1.0, b"\x03"), (now + 1.5, b"\x03")]
        if final_seen_at is not None and now > final_seen_at + 5:
            break

    with open(a.log, "wb") as f:
        f.write(text)
        f.write(("\n# approval overlay lines seen: %d" % text.count(b"Request:")).encode())
        for act in actions:
            f.write(f"\n# action {act}".encode())
        f.write(f"\n# result {'ok' if ok else 'incomplete'}\n".encode())
    # pty.fork made the child a session (and process group) leader: stop the whole group.
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    for _ in range(50):
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        time.sleep(0.1)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
