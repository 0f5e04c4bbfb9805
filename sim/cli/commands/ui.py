"""``qgeo ui``: serve the browser explorer (:mod:`sim.explorer.app`) with Solara, on 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from sim.base.errors import UserError
from sim.explorer.defaults import DEFAULT_SCENARIO, SCENARIO_ENV

DEFAULT_PORT = 8765
DEFAULT_SESSION_MINUTES = 30
"""Minutes the server keeps a page's session after its browser vanished without closing it."""


class UiError(UserError, ValueError):
    """A bad argument of ``qgeo ui``."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ui`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "ui",
        help="open the browser explorer (vary parameters, watch the network rewire)",
        description="Serve the explorer page with Solara. Open the printed address in a browser; "
        "stop the server with Ctrl-C.",
        epilog="Examples: qgeo ui export_controls --port 8765\n"
        "          qgeo ui my_scenario.toml   (any scenario file, e.g. one saved from the page)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenario", nargs="?", default=DEFAULT_SCENARIO,
        help=f"shipped scenario name, or the path of any scenario TOML file (default {DEFAULT_SCENARIO})",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--open", action="store_true", help="open a browser tab when the server is up")
    parser.add_argument("--session-timeout", type=int, default=DEFAULT_SESSION_MINUTES, metavar="MINUTES",
                        help="free a page's session this long after its browser disconnected "
                        f"(default {DEFAULT_SESSION_MINUTES}; Solara's own default is 24 hours)")
    parser.set_defaults(handler=run)


def scenario_name(given: str) -> str:
    """What the page opens for a ``qgeo ui`` argument: a shipped scenario's name or a file's path.

    Args:
        given: A shipped scenario's name (``export_controls``) or the path of a scenario TOML file.

    Returns:
        The name, or the file's absolute path.

    Raises:
        UiError: A bare word that is not a shipped scenario, naming the nearest one.
        sim.inputs.scenario.ScenarioError: A file that does not exist or is not a valid scenario.
    """
    from sim.base.suggest import did_you_mean
    from sim.explorer.session import opened_file, scenario_names  # here: the explorer is slow to import

    names = scenario_names()
    if given in names:
        return given
    if not given.endswith(".toml") and not Path(given).is_file():
        raise UiError(
            f"scenario {given!r} is not a shipped scenario{did_you_mean(given, names)}; "
            f"the explorer offers {', '.join(names)}, or give the path of a scenario TOML file"
        )
    return opened_file(given)


def server_command(port: int, host: str, open_browser: bool) -> list[str]:
    """The ``solara run`` command line that serves :mod:`sim.explorer.app`.

    Args:
        port: Port.
        host: Address to listen on.
        open_browser: Whether Solara opens a browser tab.

    Returns:
        The argument list.
    """
    return [
        sys.executable, "-m", "solara", "run", "sim.explorer.app", "--host", host, "--port", str(port),
        "--production", "--open" if open_browser else "--no-open", "--log-level", "warning",
    ]


def server_environment(scenario: str, session_minutes: int) -> dict[str, str]:
    """The environment of the Solara server: the scenario to open, the session timeout, no telemetry.

    Args:
        scenario: What the page opens (:func:`scenario_name`).
        session_minutes: Minutes a session lives after its browser disconnected (Solara's kernel
            cull timeout, ``SOLARA_KERNEL_CULL_TIMEOUT``).

    Returns:
        This process's environment with those settings.
    """
    env = {**os.environ, SCENARIO_ENV: scenario, "SOLARA_KERNEL_CULL_TIMEOUT": f"{session_minutes}m"}
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no usage reports from students' machines
    return env


def check_port_free(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address cannot be served on.

    Args:
        host: Address to listen on.
        port: Port.

    Raises:
        UiError: The port is in use (or the address is not this machine's).
    """
    import socket  # here, not at the top: every import counts for `qgeo --help`

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise UiError(
                f"cannot serve on {host}:{port} ({error.strerror or error}); "
                "is another server running there? Pick another port with --port"
            ) from None


def run(args: argparse.Namespace) -> int:
    """Serve the explorer until interrupted.

    Args:
        args: Parsed arguments (``scenario``, ``port``, ``host``, ``open``).

    Returns:
        The server's exit code (0 after Ctrl-C).

    Raises:
        UiError: Unknown scenario, a port outside 1-65535 or a port in use.
        sim.inputs.scenario.ScenarioError: A scenario file that does not exist or is not valid.
    """
    import signal  # here, not at the top: every import counts for `qgeo --help`
    import subprocess

    from sim.base.lifetime import end_with_parent

    name = scenario_name(args.scenario)
    if args.session_timeout < 1:
        raise UiError(f"--session-timeout expected a number of minutes >= 1, found {args.session_timeout}")
    if not 0 < args.port < 65536:
        raise UiError(f"--port expected a port number in 1-65535, found {args.port}")
    check_port_free(args.host, args.port)
    env = server_environment(name, args.session_timeout)
    print(f"qgeo ui: serving the explorer on http://{args.host}:{args.port}/ (scenario {name}); "
          "Ctrl-C stops it", flush=True)
    server = subprocess.Popen(server_command(args.port, args.host, args.open), env=env,  # ends with us
                              preexec_fn=partial(end_with_parent, os.getpid()))
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop the server too when we are terminated
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM handler: stop like Ctrl-C, so that the server process is stopped as well."""
    raise KeyboardInterrupt
