"""Exit codes, and the one place where failures become a message on stderr and a code.

Every command runs inside :func:`reporting`: a :class:`CliError` prints its message; the library's errors are
sorted by what the user has to fix (the command line, a file, the key, or nothing they control: the API);
Ctrl-C becomes 130 after the command has said what goes on without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

import click
from pydantic_core import SchemaError as PydanticSchemaError

__all__ = ["EXIT_CODES_HELP", "INTERRUPTS", "CliError", "ExitCode", "interrupted", "missing_key", "reporting"]

INTERRUPTS = (KeyboardInterrupt, PydanticSchemaError)
"""What a Ctrl-C can surface as (catch these, then check :func:`interrupted`): pydantic-core reports a
``KeyboardInterrupt`` that lands while it builds a model's validator (the model's first use) as a ``SchemaError``."""


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C, plain or wrapped by pydantic-core (which names it in the message). The library
    unwraps the ones that land in its own calls; this catches those in the command's own code."""
    return isinstance(exc, KeyboardInterrupt) or (
        isinstance(exc, PydanticSchemaError) and "KeyboardInterrupt" in str(exc)
    )


class ExitCode(IntEnum):
    """What a non-zero exit status means."""

    OK = 0
    API_ERROR = 1
    USAGE = 2
    BAD_INPUT = 3
    MISSING_KEY = 4
    INTERRUPTED = 130


EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 API error (or a failed run), 2 usage error, 3 bad input file or output schema, "
    "4 no API key (and no --emulator), 130 interrupted (runs already submitted go on)."
)


class CliError(click.ClickException):
    """A failure the command explains in one message, with the exit code that classifies it."""

    def __init__(self, message: str, code: ExitCode = ExitCode.API_ERROR) -> None:
        super().__init__(message)
        self.exit_code = int(code)  # type: ignore[misc]  # click declares it on the class; each error has its own

    def show(self, file: object = None) -> None:
        prefix = "Interrupted" if self.exit_code == ExitCode.INTERRUPTED else "Error"
        click.echo(f"{prefix}: {self.format_message()}", err=True)


def _classify(exc: BaseException) -> CliError | None:
    """The CliError for a library error, or ``None`` for anything else (a bug: let it surface)."""
    from parallel_integrations import (
        AuthenticationError,
        ParallelError,
        ParallelValidationError,
        SchemaError,
    )

    if isinstance(exc, SchemaError):
        return CliError(f"bad output schema: {exc}", ExitCode.BAD_INPUT)
    if isinstance(exc, ParallelValidationError):
        return CliError(str(exc), ExitCode.USAGE)
    if isinstance(exc, AuthenticationError):
        return CliError(f"{exc} (check PARALLEL_API_KEY or --api-key)", ExitCode.API_ERROR)
    if isinstance(exc, ParallelError):
        return CliError(f"{type(exc).__name__}: {exc}", ExitCode.API_ERROR)
    return None


_MISSING_KEY = "no API key: set PARALLEL_API_KEY or pass --api-key (or add --emulator to try the command offline)"


def missing_key() -> CliError:
    """The error for a command that needs the API but has no key."""
    return CliError(_MISSING_KEY, ExitCode.MISSING_KEY)


@contextmanager
def reporting() -> Iterator[None]:
    """Turn library errors into :class:`CliError` and Ctrl-C into exit status 130."""
    try:
        yield
    except INTERRUPTS as exc:
        if not interrupted(exc):
            raise  # a pydantic-core SchemaError that is no Ctrl-C: a bug, let it surface
        raise CliError("stopped before the command finished", ExitCode.INTERRUPTED) from None
    except click.ClickException:
        raise
    except Exception as exc:
        error = _classify(exc)
        if error is None:
            raise
        raise error from exc
