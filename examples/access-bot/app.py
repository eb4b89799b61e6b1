"""Run the access bot: `python examples/access-bot/app.py` (configuration from the environment)."""

from access_bot import main

if __name__ == "__main__":
    main()
