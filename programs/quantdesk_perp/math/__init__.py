"""Pure fixed-point math by topic; every division names its rounding."""
