"""QuantDesk TUI: terminal trading workstation for Solana perpetual futures."""

__version__ = "0.1.0"
