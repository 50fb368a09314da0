# Typing stub for fuseflow.finance (hand-maintained; checked by mypy.stubtest).
from . import american as american
from . import bachelier as bachelier
from . import black76 as black76
from . import black_scholes as black_scholes
from . import digital as digital
from . import merton as merton
from ._implied import black_implied_volatility as black_implied_volatility
from ._implied import normal_implied_volatility as normal_implied_volatility

__all__ = [
    "american", "bachelier", "black76", "black_scholes", "digital", "merton", "black_implied_volatility",
    "normal_implied_volatility",
]
