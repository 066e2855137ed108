"""dsv3: the arithmetic behind "DeepSeek-V3 by the numbers".

The package is laid out in rooms named for the question their code answers (see the README):
``inputs`` opens files; ``arch``, ``training``, ``serving`` and ``evals`` compute and never open a
file; ``claims`` names published figures and checks them; ``book`` formats and draws; ``units``
and ``checks`` are the base every room stands on; ``cli`` is the command line.
"""

__version__ = "0.1.0"
