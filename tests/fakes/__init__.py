"""Local stand-ins for outside services (Pyth Hermes, CoinGecko), on 127.0.0.1 with a random port."""
