"""Fixed-point precisions, named like Drift v2: every integer says which scale it lives in."""

PRICE_PRECISION = 10**6  # prices and quote amounts (USDC has 6 decimals)
QUOTE_PRECISION = 10**6
BASE_PRECISION = 10**9  # base asset amounts (position and order sizes)
FUNDING_RATE_PRECISION = 10**9
MARGIN_PRECISION = 10**4  # margin ratios and asset weights: 10_000 = 100%
PERCENTAGE_PRECISION = 10**6
