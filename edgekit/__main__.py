"""``python -m edgekit`` runs the command line."""

import sys

from edgekit.cli import main

sys.exit(main())
