"""``parallel-integrations emulator``: serve the offline API, with exactly the options of
``python -m parallel_integrations.emulator`` (the arguments are handed to its ``main``)."""

from __future__ import annotations

import contextlib
import io

import click

__all__ = ["emulator"]


@click.command(
    short_help="Serve the offline API emulator on loopback.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def emulator(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Serve the Parallel API emulator on loopback until Ctrl-C (no key, no network).

    Takes the options of `python -m parallel_integrations.emulator`, listed below. Point PARALLEL_BASE_URL
    (or --base-url) at the address it prints.

    \b
    Example:
      parallel-integrations emulator --port 8080
      parallel-integrations --base-url http://127.0.0.1:8080 --api-key any search "with"
    """
    from parallel_integrations.emulator.__main__ import main

    if "-h" in args or "--help" in args:
        click.echo(ctx.get_help())
        click.echo()
        with contextlib.redirect_stdout(io.StringIO()) as captured, contextlib.suppress(SystemExit):
            main(["--help"])
        options = captured.getvalue()
        click.echo(options[options.find("options:") :] if "options:" in options else options)
        return
    ctx.exit(main(list(args)))
