#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
    if sys.argv[1:2] == ["runchat"]:
        # runchat is for local use: debug pages, development static files, a generated
        # secret and the demo account, unless DEBUG is set otherwise. The settings read it
        # on import, before any command runs, so it is set here.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
