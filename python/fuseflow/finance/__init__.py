"""fuseflow.finance: batched option pricing.

Models, each a module with the same function names (``call_price``, ``put_price``, ``price``,
``greeks``, ``implied_volatility``): :mod:`black_scholes` (``q=`` keyword), :mod:`merton`
(q positional), :mod:`black76` (futures), :mod:`bachelier` (normal model), :mod:`digital`
(cash-or-nothing and asset-or-nothing under Black-Scholes).
"""

from . import black_scholes

__all__ = ["black_scholes"]
