"""A run id's first digits, as reports show them, stand for the run id they start: unique in the
store, or a ``LookupError`` that says to give more digits."""

from types import SimpleNamespace

import pytest

from nnlab.track import query


class Store:
    """A stand-in client whose store holds runs with ``ids``; it answers a prefix search."""

    tracking_uri = "sqlite:////nowhere/mlflow.db"

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids

    def search_experiments(self):
        return [SimpleNamespace(experiment_id="1")]

    def search_runs(self, experiment_ids, filter_string, max_results):
        prefix = filter_string.split("'")[1].rstrip("%")
        found = [i for i in self.ids if i.startswith(prefix)][:max_results]
        return [SimpleNamespace(info=SimpleNamespace(run_id=i)) for i in found]


def test_a_prefix_of_several_run_ids_is_refused():
    store = Store(["86f1ddcd" + "0" * 24, "86f1ddcd" + "1" * 24, "0efe4661" + "2" * 24])
    with pytest.raises(LookupError, match="86f1ddcd starts more than one run id .*more digits"):
        query.run_id(store, "86f1ddcd")
    assert query.run_id(store, "86f1ddcd1") == "86f1ddcd" + "1" * 24
    assert query.run_id(store, "0efe4661...") == "0efe4661" + "2" * 24


@pytest.mark.parametrize("text", ["86f1", "86f1ddcz", "86f1ddcd'--", "x" * 32, ""])
def test_what_is_not_a_run_id_never_reaches_the_store(text):
    with pytest.raises(LookupError, match="neither a run folder nor a run id"):
        query.run_id(Store([]), text)


def test_a_whole_run_id_is_taken_as_it_is():
    assert query.run_id(Store([]), "0123abcd" * 4) == "0123abcd" * 4


def test_a_prefix_of_no_run_id_is_refused():
    with pytest.raises(LookupError, match="no run id starts with 0000000000 in "):
        query.run_id(Store(["86f1ddcd" + "0" * 24]), "0000000000")
