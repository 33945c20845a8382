"""Drives a command on a pseudo-terminal the way a person would: waits for each prompt to be
drawn, then types the answer. Used by the tests of interactive prompts.

    python3 pty-drive.py COLUMNS STEPS_JSON -- COMMAND [ARG...]

STEPS_JSON is a list of [pattern, keys]: wait until the output (escape codes removed) matches
the regular expression `pattern` after the previous match, then type `keys`. Prints all the
output when the command ends and exits with its exit code (124 when a pattern never came).
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def main() -> int:
    columns, steps = int(sys.argv[1]), json.loads(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1 :]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    raw, seen, step = b"", 0, 0
    deadline = time.monotonic() + 30
    while True:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
        text = ESCAPES.sub("", raw.decode("utf-8", "replace"))
        if step < len(steps):
            match = re.compile(steps[step][0], re.M).search(text, seen)
            if match:
                seen = match.end()
                time.sleep(0.2)  # let the prompt finish drawing and start listening
                os.write(fd, steps[step][1].encode())
                step += 1
                deadline = time.monotonic() + 30
            elif time.monotonic() > deadline:
                os.kill(pid, 9)
                sys.stdout.write(text + f"\n[pty-drive: never saw {steps[step][0]!r}]\n")
                return 124
        elif time.monotonic() > deadline:
            os.kill(pid, 9)
            sys.stdout.write(text + "\n[pty-drive: the command did not end]\n")
            return 124
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(ESCAPES.sub("", raw.decode("utf-8", "replace")))
    return os.waitstatus_to_exitcode(status)


sys.exit(main())
