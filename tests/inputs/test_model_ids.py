"""One id per model across every table (``data/model_ids.csv``), and one colour per id (``dsv3.book.style``).

The files' headers promise it ("model_id: the book's identifier of the model (data/model_ids.csv), shared by
every table that names a model"); a typo in an id would split one model into two rows of a merged table and
give it a second colour, or none.
"""

from __future__ import annotations

import pytest

from dsv3.book.style import MODEL_COLORS, color
from dsv3.inputs.models import model_id, model_ids, model_table
from dsv3.inputs.prices import load_prices
from dsv3.inputs.runs import training_runs
from dsv3.inputs.scores import load_models, load_scores

TABLES = {
    "data/models/models.csv": model_table,
    "data/training_runs.csv": training_runs,
    "data/api_prices.csv": load_prices,
    "data/benchmark_scores.csv": load_scores,
    "data/benchmark_models.csv": load_models,
}


def test_model_ids_are_unique_and_named() -> None:
    ids = model_ids()
    assert ids["model_id"].is_unique
    assert (ids["name"].str.len() > 0).all() and (ids["maker"].str.len() > 0).all()
    assert ids.loc[ids["model_id"] == "deepseek-v3", "name"].tolist() == ["DeepSeek-V3"]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_names_its_models_by_a_known_id(name: str) -> None:
    known = set(model_ids()["model_id"])
    used = set(TABLES[name]()["model_id"].dropna())
    assert used, f"{name} has no model_id"
    assert used <= known, f"{name}: ids not in data/model_ids.csv: {sorted(used - known)}"


def test_every_id_has_one_colour_and_every_colour_an_id() -> None:
    known = set(model_ids()["model_id"])
    assert set(MODEL_COLORS) <= known, sorted(set(MODEL_COLORS) - known)
    for name, load in TABLES.items():
        for mid in set(load()["model_id"].dropna()):
            assert color(mid) == MODEL_COLORS[mid], f"{name}: {mid}"
    assert len(set(MODEL_COLORS.values())) == len(MODEL_COLORS)  # no two models share a colour
    with pytest.raises(KeyError, match="no-such-model"):
        color("no-such-model")


def test_model_id_by_the_name_in_models_csv() -> None:
    assert model_id("Llama-3.1-405B") == "llama-3.1-405b"
    assert model_id("DeepSeek-V3") == "deepseek-v3"
    with pytest.raises(KeyError, match="Llama-4"):
        model_id("Llama-4")
