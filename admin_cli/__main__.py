"""``python -m admin_cli`` is the ``sapat`` command."""
from admin_cli.main import main

main()
