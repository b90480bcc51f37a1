"""core/batch.py's repeated messages: each distinct key rendered once, the column equal to
rendering every row, dictionary-encoded; and the refusal past `most` distinct pairs."""
import numpy as np
import polars as pl

from sfprep.core.batch import messages_by_key, messages_by_text_and_number


def test_messages_by_key_equal_row_by_row_and_dictionary_encoded():
    counts = np.array([2, 19, 2, 1, 2, 19])
    messages = messages_by_key(counts, lambda n: f"record has {n} field{'' if n == 1 else 's'}")
    assert messages.dtype == pl.Categorical
    assert messages.cast(pl.String).to_list() == [
        "record has 2 fields", "record has 19 fields", "record has 2 fields", "record has 1 field",
        "record has 2 fields", "record has 19 fields"]


def test_messages_by_key_of_no_findings_is_empty():
    assert messages_by_key(np.array([], dtype=np.int64), str).len() == 0


def test_messages_by_text_and_number_pairs_each_text_with_its_own_number():
    texts = pl.Series(["' '", "'x'", "' '", "' '"])
    numbers = np.array([3, 3, 4, 3])
    messages = messages_by_text_and_number(texts, numbers, "{} outside field {}".format)
    assert messages.dtype == pl.Categorical
    assert messages.cast(pl.String).to_list() == [
        "' ' outside field 3", "'x' outside field 3", "' ' outside field 4", "' ' outside field 3"]


def test_messages_by_text_and_number_refuses_many_distinct_pairs():
    texts = pl.Series([f"'{i}'" for i in range(10)])
    assert messages_by_text_and_number(texts, np.arange(10), "{} {}".format, most=9) is None
    assert messages_by_text_and_number(texts, np.arange(10), "{} {}".format, most=10).len() == 10
