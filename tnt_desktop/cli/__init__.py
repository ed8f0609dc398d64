"""The `tnt-desktop` command: `main` builds the parser (cli.main) from the command groups —
`admin`/`demo` (cli.admin), `export`/`import`/`package` (cli.export), lock/freeze (cli.workflow) —
which share cli.common. `tnt_desktop.cli:main` is the console-script entry point."""

from tnt_desktop.cli.main import main

__all__ = ["main"]
