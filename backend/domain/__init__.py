"""The domain records and rules the services share: observations, feed health, order requests and
their validation, and the refusal they raise. No IO; the wire (backend/api/protocol.py) maps them."""
