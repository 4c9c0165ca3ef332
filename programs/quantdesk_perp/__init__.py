"""QuantDesk perp program: the deterministic fixed-point perp engine, its IDL and its vocabulary.

Entry points: processor.process(state, instruction, ctx) -> events, crank.crank(state, ctx),
state.state_to_bytes / state_from_bytes, queries.* for margin, liquidation price and previews.
"""
