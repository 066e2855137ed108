"""Data validation: every table loads, every row has a source, and a bad cell is named precisely."""

from __future__ import annotations

import pytest

from dsv3.claims import reproduce as reproduce_mod
from dsv3.inputs import facts as facts_mod
from dsv3.inputs import runs, schema
from dsv3.inputs.schema import Column, DataError, read_table

SCHEMA = (Column("model"), Column("gpu_hours", "number", positive=True), schema.SOURCE)


def test_training_runs_load_with_sources() -> None:
    table = runs.training_runs()
    assert (table["source"].str.len() > 10).all()
    assert not table.duplicated(["model", "stage"]).any()


def test_facts_load_with_sources_and_quotes() -> None:
    facts = facts_mod.facts()
    assert len(facts) >= 10
    for f in facts.values():
        assert f.source and f.quote, f.id


def test_published_inputs_are_the_papers() -> None:
    # Guards against an edit of the inputs: V3 Table 1 and Section 3.1.
    assert facts_mod.fact("v3.rental_usd_per_gpu_hour").value == 2
    assert facts_mod.fact("v3.cluster_gpus").value == 2048
    assert runs.training_run("DeepSeek-V3", "pre-training").gpu_hours == 2_664_000
    assert runs.training_run("Llama 3.1 405B", "all training").gpu_hours == 30_840_000


def test_unknown_fact_and_run() -> None:
    with pytest.raises(KeyError, match="nope"):
        facts_mod.fact("nope")
    with pytest.raises(KeyError, match="DeepSeek-V3"):
        runs.training_run("DeepSeek-V3", "no such stage")


def test_fact_relations() -> None:
    f = facts_mod.Fact("x", 3.7, "days", 0.05, "=", "src", "q")
    assert f.agrees(3.66) and not f.agrees(3.6)
    bound = facts_mod.Fact("y", 60.875, "days", 0, "<", "src", "q")
    assert bound.agrees(54.2) and not bound.agrees(61)
    with pytest.raises(AssertionError, match="x: computed 3.6"):
        f.check(3.6)


def test_reproduce_lists_every_failure() -> None:
    with pytest.raises(AssertionError, match="v3.table1.total_usd.*v3.days_per_t_tokens"):
        reproduce_mod.reproduce({"v3.table1.total_usd": 5.0e6, "v3.days_per_t_tokens": 4.0})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model,gpu_hours,source\nA,abc,doc\n", r"t.csv, row 1 \(line 2\), column 'gpu_hours': 'abc' is not a number"),
        (
            "model,gpu_hours,source\nA,1,doc\nB,-5,doc\n",
            r"t.csv, row 2 \(line 3\), column 'gpu_hours': '-5' must be positive",
        ),
        ("model,gpu_hours,source\nA,1,\n", r"t.csv, row 1 \(line 2\), column 'source': value is missing"),
        ("# comment\nmodel,gpu_hours,source\nA,1,doc,extra\n", r"t.csv, row 1 \(line 3\): 4 cells"),
        ("model,gpu_hour,source\nA,1,doc\n", r"lacks columns \['gpu_hours'\]"),
        ("model,gpu_hours,source\n", r"t.csv: the table has no rows"),
        ("model,gpu_hours,source\nA,inf,doc\n", r"'inf' is not a finite number"),
    ],
)
def test_malformed_rows_are_named(write_csv, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_table(write_csv("t.csv", text), SCHEMA)


def test_choices_are_enforced(write_csv) -> None:
    columns = (Column("relation", choices=("=", "<")), schema.SOURCE)
    with pytest.raises(DataError, match=r"column 'relation': '~' is not one of"):
        read_table(write_csv("r.csv", "relation,source\n~,doc\n"), columns)
