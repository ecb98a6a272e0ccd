"""`python -m ropo_dev up`: the local runner behind `make up`."""

import sys

from ropo_dev.cli import main

sys.exit(main())
