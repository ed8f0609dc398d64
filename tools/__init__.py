"""Developer tools (not part of the installed program); see tools/README.md."""
