"""``python -m kgexpr`` runs the CLI."""

from kgexpr.cli import main

if __name__ == "__main__":
    main()
