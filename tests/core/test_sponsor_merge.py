"""The sponsor store's merge rule as a pure function (sponsor.merge.decide): properties over
generated workstation histories. The end-to-end behaviour on PostgreSQL is in
test_sponsor_store.py.

Hypothesis: no database, so a fixed 150 examples per property, no deadline."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tnt_desktop.sponsor.merge import Report, cell_of, decide, state_of

STATES = st.sampled_from(["1", "2", "3", "[NOT_DONE]"])


@st.composite
def reports(draw) -> list[Report]:
    count = draw(st.integers(1, 4))
    made = []
    for workstation in range(1, count + 1):
        history = draw(st.lists(STATES, min_size=1, max_size=4))
        value, missing = cell_of(history[-1])
        made.append(Report("01", workstation, value, missing, False,
                           [[f"2026-01-0{i + 1}T00:00:00Z", s] for i, s in enumerate(history)]))
    return made


def summary(outcome) -> tuple:
    sides = None if outcome.sides is None else tuple(r.who for r in outcome.sides)
    return outcome.state, outcome.derived, sides


@settings(max_examples=150, deadline=None)
@given(reports(), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_of_the_reports(made, rng):
    shuffled = list(made)
    rng.shuffle(shuffled)
    assert summary(decide(made)) == summary(decide(shuffled))


@settings(max_examples=150, deadline=None)
@given(reports())
def test_no_value_is_dropped_unless_a_workstation_saw_it_and_changed_it(made):
    outcome = decide(made)
    if outcome.sides is not None:
        a, b = outcome.sides
        assert a.state != b.state  # a conflict keeps both; the store holds the common base
        assert outcome.state is None or (outcome.state in a.states()
                                          and outcome.state in b.states())  # fmt: skip
        return
    assert outcome.state in {r.state for r in made}
    for report in made:
        if report.state != outcome.state:
            assert any(other.moved_on_from(report) for other in made)


def test_a_change_on_one_side_wins_and_a_change_on_both_sides_is_a_conflict():
    def report(workstation: int, *history: str) -> Report:
        return Report("01", workstation, history[-1], None, False,
                      [["t", s] for s in history])  # fmt: skip

    assert summary(decide([report(1, "1"), report(2, "1", "2")])) == ("2", False, None)
    both = decide([report(2, "1", "3"), report(1, "1", "2")])
    assert summary(both) == ("1", False, (("01", 1), ("01", 2)))
    assert state_of(None, "NOT_DONE") == "[NOT_DONE]" and cell_of("[NOT_DONE]") == (None,
                                                                                   "NOT_DONE")
