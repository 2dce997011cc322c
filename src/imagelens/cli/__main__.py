"""``python -m imagelens.cli``."""

from imagelens.cli.app import main

main()
