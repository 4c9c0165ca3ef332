"""QuantDesk perp program: the deterministic fixed-point perp engine, its IDL and its vocabulary.

Entry points (all pure; state is mutated in place, a refusal raises EngineError and changes nothing):
  processor.process(state, instruction, ctx) -> list[Event]    instructions.* (IDL names)
  crank.crank(state, ctx) -> list[Event]  (or process(state, Crank(), ctx)) on every oracle tick
  state.State, state_to_bytes(state) / state_from_bytes(data)   snapshots; State supports ==
  context.Context(slot, unix_time, oracles={market_index: OraclePrice(price, conf, slot, time)})
  queries.account_margin / liquidation_price / preview_order / book_levels / amm_quotes / ...
  idl.to_idl(instruction) -> (IDL name, args, signers); idl/quantdesk_perp.json
Inside, imports run one way (no cycles, not even in functions): matching <- execution <- trading <-
advanced <- crank <- processor; matching hands follow-up work back instead of calling up.
"""
