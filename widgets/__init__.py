"""QuantDesk's reusable Textual widgets. They render the plain data they are given (records from
backend.api.protocol, dicts, floats), post messages upward, and never talk to the backend."""
