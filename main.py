"""Entry point: `python main.py …` is the same as the `photolot` command."""

import sys

from desktopapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
