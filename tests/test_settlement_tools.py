"""FIFO attribution of stored value between stores (member_wallet/tools/settlement.py)."""

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "member_wallet" / "tools" / "settlement.py"


@pytest.fixture(scope="session")
def settlement():
    """``member_wallet/__init__.py`` imports Odoo: load the tool by file path."""
    name = "member_wallet_tools_settlement"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TOOL)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


D = Decimal


def cross(portions):
    return [
        (p.ref, p.from_store, p.to_store, p.amount, p.source_ref) for p in portions if p.cross_store
    ]


def test_worked_example_topup_a_topup_b_spend_in_b(settlement):
    # 300 topped up in A, 100 in B, 350 spent in B: the first 300 came from
    # A's top-up (A owes B 300), the next 50 from B's own (nothing owed).
    events = [("t1", "A", 300), ("t2", "B", 100), ("c1", "B", -350)]
    portions, lots, deficits = settlement.attribute(events)
    assert [(p.from_store, p.to_store, p.amount) for p in portions] == [
        ("A", "B", D("300.00")),
        ("B", "B", D("50.00")),
    ]
    assert cross(portions) == [("c1", "A", "B", D("300.00"), "t1")]
    assert lots == [("t2", "B", D("50.00"))]
    assert deficits == []
    assert settlement.cross_store_portions(events, "c1") == [
        settlement.Portion("c1", "A", "B", D("300.00"), "t1")
    ]
    assert settlement.held_by_store(events) == {"B": D("50.00")}


def test_spend_in_the_store_of_the_topup_owes_nothing(settlement):
    events = [("t1", "A", 100), ("c1", "A", -60), ("c2", "A", -40)]
    portions, lots, _deficits = settlement.attribute(events)
    assert cross(portions) == []
    assert lots == []


def test_spend_spanning_lots_of_three_stores(settlement):
    events = [
        ("t1", "A", "100.00"),
        ("t2", "B", "50.50"),
        ("t3", "C", "20"),
        ("c1", "C", "-160.25"),
    ]
    merged = settlement.cross_store_portions(events, "c1")
    assert sorted((p.from_store, p.amount, p.source_ref) for p in merged) == [
        ("A", D("100.00"), "t1"),
        ("B", D("50.50"), "t2"),
    ]
    # the rest (9.75) came from C's own top-up
    assert settlement.held_by_store(events) == {"C": D("10.25")}


def test_partial_lots_carry_over_between_spends(settlement):
    events = [("t1", "A", 100), ("c1", "B", -30), ("c2", "C", -50), ("c3", "A", -20)]
    portions, lots, _deficits = settlement.attribute(events)
    assert cross(portions) == [
        ("c1", "A", "B", D("30.00"), "t1"),
        ("c2", "A", "C", D("50.00"), "t1"),
    ]
    assert lots == []


def test_several_portions_from_one_store_are_merged_per_source(settlement):
    events = [("t1", "A", 10), ("t2", "A", 10), ("c1", "B", -15)]
    merged = settlement.cross_store_portions(events, "c1")
    assert sorted((p.source_ref, p.amount) for p in merged) == [
        ("t1", D("10.00")),
        ("t2", D("5.00")),
    ]


def test_a_credit_back_is_a_new_lot_of_its_store(settlement):
    # consumption in B reversed (booked back in B): B now holds those 40
    events = [("t1", "A", 100), ("c1", "B", -40), ("r1", "B", 40), ("c2", "A", -100)]
    portions, lots, _deficits = settlement.attribute(events)
    assert cross(portions) == [
        ("c1", "A", "B", D("40.00"), "t1"),
        ("c2", "B", "A", D("40.00"), "r1"),
    ]
    assert lots == []


def test_deficit_paid_off_by_a_later_topup(settlement):
    # credit limit: 50 spent in B on an empty card, then 80 topped up in A:
    # A received the money B gave on credit, A owes B 50.
    events = [("c1", "B", -50), ("t1", "A", 80), ("c2", "A", -30)]
    portions, lots, deficits = settlement.attribute(events)
    assert cross(portions) == [("t1", "A", "B", D("50.00"), "c1")]
    assert lots == []
    assert deficits == []
    assert settlement.held_by_store([("c1", "B", -50)]) == {"B": D("-50.00")}


def test_held_by_store_sums_to_the_balance(settlement):
    events = [
        ("t1", "A", "300"),
        ("b1", "A", "30"),
        ("t2", "B", "100"),
        ("c1", "B", "-350"),
        ("w1", "C", "-20"),
        ("a1", "C", "5"),
    ]
    held = settlement.held_by_store(events)
    assert sum(held.values()) == sum(D(str(e[2])) for e in events) == D("65")
    assert held == {"B": D("60.00"), "C": D("5.00")}


def test_zero_events_are_ignored(settlement):
    portions, lots, deficits = settlement.attribute([("x", "A", 0), ("t1", "A", "0.00")])
    assert (portions, lots, deficits) == ([], [], [])


def test_amounts_are_quantised_without_floats(settlement):
    events = [("t1", "A", 0.1), ("t2", "A", 0.2), ("c1", "B", "-0.30")]
    merged = settlement.cross_store_portions(events, "c1")
    assert sorted((p.source_ref, p.amount) for p in merged) == [
        ("t1", D("0.10")),
        ("t2", D("0.20")),
    ]
    assert settlement.held_by_store(events) == {}
