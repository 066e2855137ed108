"""dsv3.claims.articles: the verdict engine's pieces on small made-up inputs, every expected value by hand."""

from __future__ import annotations

import pandas as pd

from dsv3.claims.articles import VERDICTS, by_article


def test_by_article_counts_every_verdict_in_the_chapters_order() -> None:
    result = pd.DataFrame(
        {"article": ["b", "a", "b", "b"], "verdict": ["wrong", "correct", "wrong", "opinion"]},
    )
    counts = by_article(result)
    assert list(counts.index) == ["b", "a"]  # articles in file order, not sorted
    assert list(counts.columns) == list(VERDICTS)  # every verdict, those no claim got included
    assert VERDICTS[:3] == ("correct", "correct_rounded", "wrong")
    want_b = {v: 0 for v in VERDICTS} | {"wrong": 2, "opinion": 1}
    want_a = {v: 0 for v in VERDICTS} | {"correct": 1}
    assert counts.loc["b"].to_dict() == want_b
    assert counts.loc["a"].to_dict() == want_a
    assert all(dtype == "int64" for dtype in counts.dtypes)
