"""The report kernels' launcher: ipykernel's ``ipykernel_launcher``, with an exit that cannot hang.

``python -m aeeval.publish.kernel -f CONNECTION_FILE`` starts the same kernel as ``python -m
ipykernel_launcher -f CONNECTION_FILE`` (:class:`ipykernel.kernelapp.IPKernelApp`), and when a
``shutdown_request`` has stopped it, waits for the kernel's control and shell-channel threads
before its exit handlers run (:func:`run`). After a shutdown request the control thread still
flushes stdout and stderr through the IOPub thread, while the exit handler
(``IPKernelApp.close``) stops the IOPub thread and then joins the control thread: when the stop
comes first the flush waits for a thread that is gone, and the kernel hangs until jupyter_client
sends SIGTERM 2.5 s later (the race posit-dev/positron#7142 reports). Measured on the 2-core
machine with an empty notebook: 1 forked kernel in 4 to 5, and 2 cold kernels in 40, took 2.5 s
longer, stuck in that join. Both threads stop by themselves once the request is handled, so
waiting for them (bounded by :data:`SETTLE_SECONDS`) removes the race.

aeeval's kernel manager starts its cold kernels with this module when the kernelspec asks for
this interpreter's ``ipykernel_launcher`` (:func:`launcher_command`); kernels forked by the fork
server (:mod:`aeeval.publish.forkserver`) run :func:`run` directly.
"""

from __future__ import annotations

import sys

__all__ = ["SETTLE_SECONDS", "launcher_command", "run"]

#: How long a stopping kernel waits for its control and shell-channel threads (seconds).
SETTLE_SECONDS = 2.0
_LAUNCHER = ["-m", "ipykernel_launcher"]


def run() -> None:
    """Run an ipykernel kernel with ``sys.argv``'s options, as ``ipykernel_launcher`` does, then
    let its control and shell-channel threads finish before returning."""
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize()
    app.start()  # returns once a shutdown_request has stopped the kernel's main loop
    for thread in (app.control_thread, getattr(app, "shell_channel_thread", None)):
        if thread is not None and thread.is_alive():
            thread.join(SETTLE_SECONDS)


def launcher_command(cmd: list[str]) -> list[str]:
    """``cmd`` with this module in place of ``-m ipykernel_launcher`` when ``cmd`` runs this
    interpreter's ipykernel; any other kernel command unchanged.

    Examples
    --------
    >>> import sys
    >>> launcher_command([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])[1:]
    ['-m', 'aeeval.publish.kernel', '-f', 'k.json']
    >>> launcher_command([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher"])[1:]
    ['-Xfrozen_modules=off', '-m', 'aeeval.publish.kernel']
    >>> launcher_command(["/other/python", "-m", "ipykernel_launcher", "-f", "k.json"])[2]
    'ipykernel_launcher'
    """
    import os

    cmd = list(cmd)
    if not cmd or os.path.abspath(cmd[0]) != os.path.abspath(sys.executable):
        return cmd
    for i in range(1, len(cmd) - 1):  # interpreter flags may come first (-Xfrozen_modules=off)
        if cmd[i : i + 2] == _LAUNCHER:
            return [*cmd[:i], "-m", "aeeval.publish.kernel", *cmd[i + 2 :]]
        if not cmd[i].startswith("-"):
            break
    return cmd


if __name__ == "__main__":
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does before it imports anything
    run()
