"""`python -m tnt_desktop` runs the same entry point as the `tnt-desktop` command."""

from tnt_desktop.cli import main

raise SystemExit(main())
