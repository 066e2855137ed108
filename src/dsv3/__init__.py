"""dsv3: the arithmetic behind "DeepSeek-V3 by the numbers".

Every function here is pure and documented with the equation or table of the primary source it
implements. Data comes from the repository's ``data/`` folder through :mod:`dsv3.data`, which
validates each file as it loads it. Plotting lives in :mod:`dsv3.style` only.
"""

__version__ = "0.1.0"
