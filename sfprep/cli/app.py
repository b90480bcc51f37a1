"""The `sfprep` command group: the one place that turns every usage problem into one line
on stderr and exit 2, never a traceback."""
from __future__ import annotations

import os
import sys

import click

from sfprep import __version__


class OneLineErrors(click.Group):
    """A click group whose usage errors are one line on stderr and exit 2, never a traceback."""

    def main(self, args=None, prog_name=None, **extra):
        from sfprep.core.model import UsageError

        extra["standalone_mode"] = False
        try:
            code = super().main(args=args, prog_name=prog_name or "sfprep", **extra)
        except UsageError as error:
            _fail(str(error))
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help())
            sys.exit(0)
        except click.ClickException as error:
            _fail(error.format_message().replace("\n", " "))
        except click.exceptions.Abort:
            _fail("aborted")
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as error:  # a bug: still one line, unless asked for the traceback
            if isinstance(error, OSError) and _reader_left(error):
                sys.exit(1)   # the reader of our output left (`sfprep lint --format json | head`)
            if os.environ.get("SFPREP_DEBUG"):
                raise
            _fail(f"internal error: {type(error).__name__}: {error} (set SFPREP_DEBUG=1 for the traceback)")
        sys.exit(code or 0)


def run() -> None:
    """The console script: main(), then leave without the interpreter's teardown.

    Once polars has run a query, the normal exit waits on its thread pool and tears down
    every module: about 60 ms, a fifth of a one-file lint. Everything sfprep writes is
    closed and flushed by then (files are written through context managers and fsynced,
    process pools are shut down), so only the standard streams need flushing."""
    try:
        main()
    except SystemExit as leaving:
        code = leaving.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
    os._exit(code or 0)


def _reader_left(error: OSError) -> bool:
    import errno

    return error.errno == errno.EPIPE or "os error 32" in str(error)


def _fail(message: str) -> None:
    click.echo(f"sfprep: error: {message}", err=True)
    sys.exit(2)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sfprep", message="%(prog)s %(version)s")
def main() -> None:
    """Lint, fix and batch Salesforce Bulk API data files before they are loaded."""
