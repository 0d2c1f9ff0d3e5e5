import sys

from mcuml.cli import main

sys.exit(main())
