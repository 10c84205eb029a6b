"""The `moncompte` console script: every Django management command, plus demo/serve/worker."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moncompte.config.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        # Read by the settings: the demo may run without SECRET_KEY and shows the local mailbox.
        os.environ["MONCOMPTE_DEMO"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
