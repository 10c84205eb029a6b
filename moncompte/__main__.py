"""`python -m moncompte` and the `moncompte` console script (moncompte/config/launcher.py)."""

from moncompte.config.launcher import main

if __name__ == "__main__":
    main()
