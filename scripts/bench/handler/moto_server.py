"""moto's server for scripts/bench-handler.sh, with two of its costs taken out.

moto 5.2.5, as a benchmark backend, spends its time and memory on two things DynamoDB does not:

1. It keeps every model object it ever creates (BaseModel.__new__ appends each to a
   class-level list, for moto's reset), so memory only grows.
2. TransactWriteItems deep-copies every table it touches before applying the transaction, to
   restore it if a condition fails. Each submission therefore copies the whole table: the time
   per submission grows with the table, and with (1) every copy stays in memory (about 8 GB
   after 800 submissions).

Here (1) is off (the benchmark never resets moto), and (2) copies the table's index of items
instead of the items: a Put replaces an item object, so restoring the index restores the
table. That holds for the benchmark's transactions (puts and condition checks: intake forms
take no place in a session); an Update inside a failed transaction changes an item in place,
which this cheaper copy would not undo, so the service tests use the stock moto_server.
Usage: moto_server.py -H 127.0.0.1 -p PORT (as moto_server).
"""

import copy
import types
from collections import defaultdict

import moto.core.common_models as common_models
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table
from moto.server import main


def _untracked_new(cls, *args, **kwargs):
    return object.__new__(cls)


def _deepcopy(value, memo=None):
    if isinstance(value, Table):
        snapshot = copy.copy(value)
        snapshot.items = defaultdict(dict)
        for hash_key, entries in value.items.items():
            snapshot.items[hash_key] = dict(entries) if isinstance(entries, dict) else entries
        return snapshot
    return copy.deepcopy(value, memo)


common_models.BaseModel.__new__ = _untracked_new
dynamodb_models.copy = types.SimpleNamespace(deepcopy=_deepcopy, copy=copy.copy)

if __name__ == "__main__":
    main()
