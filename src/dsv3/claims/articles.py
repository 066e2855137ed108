"""The verdict engine of the claims audit (chapters/claims_audit.md).

Each row of ``data/claims.csv`` names a claimed value, the precision it was printed at, and a
check: a fact id, or a function of :data:`REGISTRY` that computes the primary-source value with the
book's own arithmetic (GPU-hours x price, parameter counts from the config, scores of Tables 3 and 6,
list prices). :func:`decide` turns (claimed, computed, precision, relation) into one of

- ``correct``: the claim equals the source's value;
- ``correct_rounded``: it equals the source's value rounded at the claim's printed precision
  (within half a unit of its last printed digit);
- ``wrong``: neither; the difference and the ratio say by how much.

``<``, ``>`` and ``between`` claims are bounds: ``correct`` when the source's value satisfies them.
Claims no arithmetic settles carry a hand verdict (``credited_wrong``, ``unverifiable``,
``opinion``) and a reason; the loader refuses a hand verdict on a row with a claimed value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dsv3.arch.kv_cache import (
    kv_cache_elements_per_layer,
    kv_cache_elements_per_token,
    miscount_hidden_over_heads_per_layer,
    miscount_upprojected_kv,
)
from dsv3.arch.params import count_params
from dsv3.arch.spec import MLA, Architecture, MoE
from dsv3.evals.scores import lower_is_better
from dsv3.evals.scores import score as table_score
from dsv3.inputs.claims import HAND_VERDICTS, Sources
from dsv3.inputs.prices import price as price_row
from dsv3.training import cost

#: Every verdict, in the order the chapter shows them.
VERDICTS = ("correct", "correct_rounded", "wrong", *HAND_VERDICTS)
#: Verdicts :func:`decide` gives.
COMPUTED_VERDICTS = ("correct", "correct_rounded", "wrong")
#: Relative slack for "equal" (floating-point noise in products such as 2664000 x 2).
EXACT = 1e-9


class UnknownCheck(ValueError):
    """A claim's check names no fact id and no registry function, or calls it with bad arguments."""


@dataclass(frozen=True)
class Decision:
    """A computed verdict; values in the claim's own unit (claimed value / scale)."""

    verdict: str
    claimed: float
    computed: float
    difference: float  # claimed - computed
    ratio: float  # claimed / computed (nan when computed is 0)


def decide(
    claimed: float, computed: float, precision: float, relation: str = "=", high: float | None = None
) -> Decision:
    """The verdict of a claim from its value, the source's value and the printed precision.

    ``precision`` is the step of the claim's last printed digit, in the claim's unit: "557.6 万"
    has 0.1 (万), "30.8M" 0.1 (M), "1/11" 1. ``=`` claims are ``correct`` when equal (to floating
    noise), ``correct_rounded`` when within half a step, else ``wrong``. Bounds ``<``, ``>`` and
    ``between`` (``claimed`` .. ``high``) are ``correct`` or ``wrong``.
    """
    for name, x in (("claimed", claimed), ("computed", computed), ("precision", precision)):
        if not math.isfinite(x):
            raise ValueError(f"{name} must be finite, got {x!r}")
    if precision <= 0:
        raise ValueError(f"precision must be a positive step, got {precision!r}")
    diff = claimed - computed
    ratio = claimed / computed if computed != 0 else math.nan
    if relation == "=":
        tol = EXACT * max(1.0, abs(computed))
        if abs(diff) <= tol:
            verdict = "correct"
        elif abs(diff) <= precision / 2 + tol:
            verdict = "correct_rounded"
        else:
            verdict = "wrong"
    elif relation == "<":
        verdict = "correct" if computed < claimed else "wrong"
    elif relation == ">":
        verdict = "correct" if computed > claimed else "wrong"
    elif relation == "between":
        if high is None or not high > claimed:
            raise ValueError(f"a 'between' claim needs a high end above {claimed}, got {high!r}")
        verdict = "correct" if claimed <= computed <= high else "wrong"
        # distance from the source's value to the nearer end of the claimed range
        diff = claimed - computed if computed < claimed else (high - computed if computed > high else 0.0)
    else:
        raise ValueError(f"relation must be one of '=', '<', '>', 'between', got {relation!r}")
    return Decision(verdict, claimed, computed, diff, ratio)


# --- the registry: functions that compute a primary-source value --------------------------------

Check = Callable[..., float]
REGISTRY: dict[str, Check] = {}


def check(fn: Check) -> Check:
    """Register ``fn`` under its name; the CSV calls it as ``name(arg1|arg2)``."""
    REGISTRY[fn.__name__] = fn
    return fn


def _arch(src: Sources, model: str) -> Architecture:
    if model not in src.models:
        raise UnknownCheck(f"no config for model {model!r} (have {sorted(src.models)})")
    return src.models[model]


def _mla(src: Sources, model: str) -> MLA:
    att = _arch(src, model).attention
    if not isinstance(att, MLA):
        raise UnknownCheck(f"{model} has no MLA")
    return att


def _moe(arch: Architecture) -> MoE | None:
    return next((f for f in arch.ffn if isinstance(f, MoE)), None)


def _run_hours(src: Sources, model: str, stages: str | None = None) -> float:
    runs = src.runs[src.runs["model"] == model]
    if runs.empty:
        raise UnknownCheck(f"no training runs for {model!r}")
    if stages is not None:
        names = stages.split(";")
        unknown = sorted(set(names) - set(runs["stage"]))
        if unknown:
            raise UnknownCheck(f"no stage {unknown} for {model!r} (have {list(runs['stage'])})")
        runs = runs[runs["stage"].isin(names)]
    return float(runs["gpu_hours"].sum())


def _fact(src: Sources, fact_id: str) -> float:
    if fact_id not in src.facts:
        raise UnknownCheck(f"no fact {fact_id!r}")
    return float(src.facts[fact_id].value)


def _rate(src: Sources) -> float:
    return _fact(src, "v3.rental_usd_per_gpu_hour")


def _cluster(src: Sources) -> float:
    return _fact(src, "v3.cluster_gpus")


@check
def params_total(src: Sources, model: str) -> float:
    """Total parameters counted from the config (dsv3 count_params; chapter moe_params)."""
    return float(count_params(_arch(src, model)).total_params)


@check
def params_ratio(src: Sources, a: str, b: str) -> float:
    """Total parameters of ``a`` over ``b``, both counted from their configs."""
    return params_total(src, a) / params_total(src, b)


@check
def activated_ratio(src: Sources, a: str, b: str) -> float:
    """Activated parameters per token of ``a`` over ``b`` (embedding and head counted)."""
    return count_params(_arch(src, a)).activated() / count_params(_arch(src, b)).activated()


@check
def routed_experts(src: Sources, model: str) -> float:
    """Routed experts per MoE layer (0 for a dense model)."""
    moe = _moe(_arch(src, model))
    return 0.0 if moe is None else float(moe.n_routed)


@check
def routed_fraction(src: Sources, model: str) -> float:
    """Routed experts used per token over routed experts per layer (K_r / N_r)."""
    moe = _moe(_arch(src, model))
    if moe is None:
        raise UnknownCheck(f"{model} has no MoE layer")
    return moe.top_k / moe.n_routed


@check
def shared_expert_share(src: Sources, model: str) -> float:
    """Share of tokens of an MoE layer that pass through the shared experts: 1 if there are any.

    DeepSeek-V3 Eq. 12 adds every shared expert's output to every token, ungated.
    """
    moe = _moe(_arch(src, model))
    return 1.0 if moe is not None and moe.n_shared > 0 else 0.0


def _moe_of(arch: Architecture) -> MoE:
    moe = _moe(arch)
    if moe is None:
        raise UnknownCheck(f"{arch.name} has no MoE layer")
    return moe


_CONFIG_FIELDS = {
    "kv_lora_rank": lambda a: a.attention.kv_lora_rank,
    "qk_rope_head_dim": lambda a: a.attention.qk_rope_head_dim,
    "n_heads": lambda a: a.attention.n_heads,
    "n_routed": lambda a: _moe_of(a).n_routed,
    "n_shared": lambda a: _moe_of(a).n_shared,
    "top_k": lambda a: _moe_of(a).top_k,
    "n_mtp_layers": lambda a: a.n_mtp_layers,
}


@check
def config(src: Sources, model: str, name: str) -> float:
    """One field of a model's config (names of :data:`_CONFIG_FIELDS`)."""
    if name not in _CONFIG_FIELDS:
        raise UnknownCheck(f"no config field {name!r} (have {sorted(_CONFIG_FIELDS)})")
    return float(_CONFIG_FIELDS[name](_arch(src, model)))


@check
def mla_latent_fraction(src: Sources, model: str) -> float:
    """KV latent width d_c over the per-head keys and values it replaces, n_h (d_h + d_v) (V2 Eqs. 9-11)."""
    a = _mla(src, model)
    return a.kv_lora_rank / (a.n_heads * (a.qk_nope_head_dim + a.v_head_dim))


@check
def mha_over_mla_cache(src: Sources, model: str) -> float:
    """KV cache of the same layer run without absorption (per-head K and V) over MLA's (V2 Table 1)."""
    arch = _arch(src, model)
    _mla(src, model)
    return miscount_upprojected_kv(arch) / kv_cache_elements_per_token(arch)


@check
def article001_cache_over_mla(src: Sources, model: str) -> float:
    """Cache per token per layer of article 001's listing (K and V, each d_model wide) over MLA's d_c + d_h^R."""
    arch, mla = _arch(src, model), _mla(src, model)  # the MLA check first: a GQA model is an UnknownCheck
    return miscount_hidden_over_heads_per_layer(arch) / kv_cache_elements_per_layer(mla)


@check
def query_shares_kv_latent(src: Sources, model: str) -> float:
    """1 if queries are made from the KV latent c^KV. In MLA they never are (V2 Eqs. 12-13): 0."""
    _mla(src, model)
    return 0.0


@check
def tokens(src: Sources, model: str) -> float:
    """Pre-training tokens of ``model`` (data/training_runs.csv)."""
    runs = src.runs[(src.runs["model"] == model) & src.runs["tokens"].notna()]
    if len(runs) != 1:
        raise UnknownCheck(f"expected one run with tokens for {model!r}, found {len(runs)}")
    return float(runs["tokens"].iloc[0])


@check
def tokens_over(src: Sources, model: str, fact_id: str) -> float:
    """Pre-training tokens of ``model`` over a token count stated as a fact."""
    return tokens(src, model) / _fact(src, fact_id)


@check
def gpu_hours(src: Sources, model: str, stages: str) -> float:
    """GPU-hours of one or more stages (``;``-separated) of a run."""
    return _run_hours(src, model, stages)


@check
def gpu_hours_total(src: Sources, model: str) -> float:
    """GPU-hours of every stage of a run (V3 Table 1: the sum of its three stages)."""
    return _run_hours(src, model)


@check
def n_stages(src: Sources, model: str) -> float:
    """Number of costed stages of a run."""
    return float((src.runs["model"] == model).sum())


@check
def stage_share(src: Sources, model: str, stages: str) -> float:
    """Share of a run's GPU-hours in the given stages."""
    return _run_hours(src, model, stages) / _run_hours(src, model)


@check
def gpu_hours_after_pretraining(src: Sources, model: str) -> float:
    """GPU-hours of every stage but pre-training."""
    return _run_hours(src, model) - _run_hours(src, model, "pre-training")


@check
def cost_stage(src: Sources, model: str, stages: str) -> float:
    """Rental cost of stages at the report's price per GPU-hour (V3 Table 1)."""
    return cost.rental_cost_usd(_run_hours(src, model, stages), _rate(src))


@check
def cost_total(src: Sources, model: str) -> float:
    """Rental cost of the whole run at the report's price per GPU-hour (V3 Table 1)."""
    return cost.rental_cost_usd(_run_hours(src, model), _rate(src))


@check
def cost_at(src: Sources, model: str, stages: str, rate: str) -> float:
    """Rental cost of stages at a stated price per GPU-hour (an article's own assumption)."""
    return cost.rental_cost_usd(_run_hours(src, model, stages), float(rate))


@check
def cost_formula_residual(src: Sources, model: str) -> float:
    """Table 1's printed total minus GPU-hours x price: 0 when the total is that product."""
    return _fact(src, "v3.table1.total_usd") - cost_total(src, model)


@check
def wall_days(src: Sources, model: str, stages: str) -> float:
    """Days of the whole 2048-GPU cluster for the stages' GPU-hours."""
    return cost.wall_clock_days(_run_hours(src, model, stages), _cluster(src))


@check
def wall_seconds(src: Sources, model: str, stages: str) -> float:
    """Seconds of the whole cluster for the stages' GPU-hours (= GPU-hours per GPU, in seconds)."""
    return cost.wall_clock_hours(_run_hours(src, model, stages), _cluster(src)) * 3600.0


@check
def gpu_hours_per_t(src: Sources, model: str) -> float:
    """Pre-training GPU-hours per trillion tokens."""
    return cost.gpu_hours_per_trillion_tokens(_run_hours(src, model, "pre-training"), tokens(src, model))


@check
def gpu_hours_ratio(src: Sources, a: str, b: str) -> float:
    """GPU-hours of every stage of ``a`` over those of ``b``."""
    return cost.ratio(_run_hours(src, a), _run_hours(src, b))


@check
def gpu_hours_share(src: Sources, a: str, b: str) -> float:
    """GPU-hours of ``a`` as a fraction of ``b``'s."""
    return 1.0 / gpu_hours_ratio(src, b, a)


@check
def fact_diff(src: Sources, a: str, b: str) -> float:
    """Fact ``a`` minus fact ``b`` (a gain in an ablation table)."""
    return _fact(src, a) - _fact(src, b)


@check
def fact_ratio(src: Sources, a: str, b: str) -> float:
    """Fact ``a`` over fact ``b``."""
    return _fact(src, a) / _fact(src, b)


@check
def guess_ratio(src: Sources, options_a: str, options_b: str) -> float:
    """Chance of a random guess with ``options_b`` choices over that with ``options_a`` (1/b over 1/a)."""
    return _fact(src, options_a) / _fact(src, options_b)


# scores of Tables 3 and 6


def _wide(src: Sources, table: str, categories: str = "all") -> pd.DataFrame:
    key = ("wide", table, categories)
    if key not in src.memo:
        src.memo[key] = _pivot(src, table, categories)
    return src.memo[key]


def _pivot(src: Sources, table: str, categories: str) -> pd.DataFrame:
    part = src.scores[src.scores["table"] == table]
    if part.empty:
        raise UnknownCheck(f"no score table {table!r}")
    if categories != "all":
        cats = categories.split(";")
        unknown = sorted(set(cats) - set(part["category"]))
        if unknown:
            raise UnknownCheck(f"no category {unknown} in {table}")
        part = part[part["category"].isin(cats)]
    part = part[~part["metric"].map(lower_is_better)]  # bits-per-byte rows rank the other way: left out
    return part.pivot_table(index=["benchmark", "metric"], columns="model", values="value", aggfunc="first")


def _models(w: pd.DataFrame, *names: str) -> None:
    unknown = sorted(set(names) - set(w.columns))
    if unknown:
        raise UnknownCheck(f"no model {unknown} in the table (have {list(w.columns)})")


@check
def score(src: Sources, table: str, model: str, benchmark: str) -> float:
    """One printed score of Table 3, 6 or 7."""
    try:
        return table_score(src.scores, table, model, benchmark)
    except KeyError as e:
        raise UnknownCheck(str(e)) from None


@check
def lead(src: Sources, table: str, benchmark: str, a: str, b: str) -> float:
    """Score of ``a`` minus score of ``b`` on one benchmark."""
    return score(src, table, a, benchmark) - score(src, table, b, benchmark)


def _row(src: Sources, table: str, benchmark: str) -> pd.Series:
    w = _wide(src, table)
    rows = w[w.index.get_level_values("benchmark") == benchmark]
    if len(rows) != 1:
        raise UnknownCheck(f"expected one row {benchmark!r} in {table}, found {len(rows)}")
    return rows.iloc[0].dropna()


def _score_of(row: pd.Series, model: str) -> float:
    """``model``'s score in one benchmark row, or :class:`UnknownCheck` naming the model and those the row has."""
    if model not in row.index:
        raise UnknownCheck(f"no score of {model!r} in this row (have {list(row.index)})")
    return float(row[model])


@check
def lead_over_best(src: Sources, table: str, benchmark: str, model: str) -> float:
    """Score of ``model`` minus the best score of every other model on one benchmark."""
    row = _row(src, table, benchmark)
    return _score_of(row, model) - float(row.drop(model).max())


@check
def rank(src: Sources, table: str, benchmark: str, model: str) -> float:
    """1 + the number of models scoring strictly higher than ``model`` on one benchmark."""
    row = _row(src, table, benchmark)
    return float((row > _score_of(row, model)).sum() + 1)


@check
def n_above(src: Sources, table: str, benchmark: str, model: str) -> float:
    """Number of models scoring strictly higher than ``model`` on one benchmark."""
    return rank(src, table, benchmark, model) - 1


@check
def rows_lost_to(src: Sources, table: str, categories: str, model: str, peers: str) -> float:
    """Rows (of the categories) where any of ``peers`` (``;``-separated) scores above ``model``."""
    w = _wide(src, table, categories)
    names = peers.split(";")
    _models(w, model, *names)
    return float((w[names].max(axis=1) > w[model]).sum())


@check
def peers_ahead(src: Sources, table: str, categories: str, model: str) -> float:
    """Number of distinct models scoring above ``model`` on at least one row of the categories."""
    w = _wide(src, table, categories)
    _models(w, model)
    others = w.drop(columns=model)
    return float((others.gt(w[model], axis=0)).any(axis=0).sum())


@check
def not_best(src: Sources, table: str, categories: str, model: str) -> float:
    """Rows of the categories where some other model scores above ``model``."""
    w = _wide(src, table, categories)
    _models(w, model)
    return float((w.drop(columns=model).max(axis=1) > w[model]).sum())


@check
def share_beating(src: Sources, table: str, model: str, peers: str) -> float:
    """Share of rows (where all have a score) on which ``model`` scores above every one of ``peers``."""
    w = _wide(src, table)
    names = peers.split(";")
    _models(w, model, *names)
    w = w[[model, *names]].dropna()
    return float((w[model] > w[names].max(axis=1)).mean())


@check
def n_present(src: Sources, table: str, models: str) -> float:
    """How many of ``models`` (``;``-separated) the table has a column for."""
    have = set(src.scores.loc[src.scores["table"] == table, "model"])
    return float(sum(m in have for m in models.split(";")))


@check
def printed_params(src: Sources, table: str, model: str, column: str) -> float:
    """Parameters as the report's table prints them (``total`` or ``activated``), in parameters."""
    rows = src.table_models[(src.table_models["table"] == table) & (src.table_models["model"] == model)]
    if len(rows) != 1 or column not in ("total", "activated"):
        raise UnknownCheck(f"no printed {column!r} parameters for {table} / {model}")
    return float(rows[f"{column}_params_b"].iloc[0]) * 1e9


# prices


def _price(src: Sources, name: str, column: str) -> float:
    try:
        row = price_row(name, src.prices)
    except KeyError as e:
        raise UnknownCheck(str(e)) from None
    if column not in ("input_cache_hit", "input_cache_miss", "output"):
        raise UnknownCheck(f"no price column {column!r}")
    return float(row[column])


@check
def price(src: Sources, name: str, column: str) -> float:
    """A list price in USD per million tokens (data/api_prices.csv)."""
    return _price(src, name, column)


@check
def price_ratio(src: Sources, a: str, b: str, column: str) -> float:
    """List price of ``a`` over that of ``b`` in one column."""
    return _price(src, a, column) / _price(src, b, column)


# --- running the audit ---------------------------------------------------------------------------


def parse_check(text: str) -> tuple[str, list[str]]:
    """``name(a|b)`` -> ("name", ["a", "b"]); a bare fact id -> (id, [])."""
    text = text.strip()
    if "(" not in text:
        return text, []
    if not text.endswith(")"):
        raise UnknownCheck(f"check {text!r}: a call must end with ')'")
    name, _, inner = text[:-1].partition("(")
    return name.strip(), [a.strip() for a in inner.split("|")] if inner.strip() else []


def computed_value(text: str, src: Sources) -> float:
    """The primary-source value a check names, in base units."""
    name, args = parse_check(text)
    if not args and "(" not in text:
        if name not in src.facts:
            raise UnknownCheck(f"check {text!r} is no fact id and no registry call")
        return float(src.facts[name].value)
    if name not in REGISTRY:
        raise UnknownCheck(f"check {text!r}: no registry function {name!r}")
    try:
        return float(REGISTRY[name](src, *args))
    except TypeError as e:
        raise UnknownCheck(f"check {text!r}: {e}") from None


def verdict_of(row: Mapping[str, Any], src: Sources, values: dict[str, float] | None = None) -> Decision | None:
    """The computed decision of one claims row, or ``None`` for a hand verdict.

    ``values`` memoizes computed values by check across the rows of one audit.
    """
    if row["hand_verdict"]:
        return None
    scale = float(row["scale"])
    high = row["claimed_high"]
    text = str(row["check"])
    values = {} if values is None else values
    try:
        if text not in values:
            values[text] = computed_value(text, src)
        value = values[text]
    except UnknownCheck as e:
        raise UnknownCheck(f"claim {row['claim_id']}: {e}") from None
    return decide(
        float(row["claimed_value"]),
        value / scale,
        float(row["precision"]),
        str(row["relation"]),
        None if pd.isna(high) else float(high),
    )


def audit(claims: pd.DataFrame, src: Sources) -> pd.DataFrame:
    """Every claim with its verdict: computed (claim units), difference and ratio where computed."""
    rows = []
    values: dict[str, float] = {}
    for rec in claims.to_dict("records"):
        d = verdict_of(rec, src, values)
        if d is None:
            rows.append(
                {
                    **rec,
                    "verdict": rec["hand_verdict"],
                    "computed": math.nan,
                    "difference": math.nan,
                    "ratio": math.nan,
                    "decided_by": "hand",
                }
            )
        else:
            rows.append(
                {
                    **rec,
                    "verdict": d.verdict,
                    "computed": d.computed,
                    "difference": d.difference,
                    "ratio": d.ratio,
                    "decided_by": "code",
                }
            )
    return pd.DataFrame(rows)


def by_article(result: pd.DataFrame) -> pd.DataFrame:
    """Counts of each verdict per article (rows: articles in file order; columns: :data:`VERDICTS`)."""
    order = list(dict.fromkeys(result["article"]))
    counts = pd.crosstab(result["article"], result["verdict"]).reindex(
        index=order, columns=list(VERDICTS), fill_value=0
    )
    return counts.astype(int)
