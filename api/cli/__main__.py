"""``python -m api.cli`` — guarded, because signature and verification workers re-import the main module."""

import sys

from api.cli import main

if __name__ == "__main__":
    sys.exit(main())
