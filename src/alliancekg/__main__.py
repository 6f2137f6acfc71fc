"""``python -m alliancekg`` runs the command line."""

from alliancekg.cli import main

main()
