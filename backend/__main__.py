"""`python -m backend ...`: run the backend in the foreground (the CLI's `quantdesk backend`)."""

from backend.cli import main

raise SystemExit(main())
