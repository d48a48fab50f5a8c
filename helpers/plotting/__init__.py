"""Figures of the collection: one function per figure kind, each returning the figure.

One module per topic; everything is re-exported here so notebooks write
``from helpers import plotting; plotting.activity_traces(...)``.
"""
from .common import *  # noqa: F401,F403
from .decoding import *  # noqa: F401,F403  -- notebook 07
from .grid import *  # noqa: F401,F403  -- notebook 04
from .hmax import *  # noqa: F401,F403  -- notebook 06
from .ring import *  # noqa: F401,F403  -- notebook 03
from .rnn import *  # noqa: F401,F403  -- notebooks 01, 02
from .sheet import *  # noqa: F401,F403  -- notebook 05
from .ventral import *  # noqa: F401,F403  -- notebook 08
