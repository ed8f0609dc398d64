"""The sponsor's consolidated store on a real PostgreSQL server (issue 17, points 3 and 4)."""

from __future__ import annotations

from sqlalchemy import select

from tests.core.sponsor_fixtures import make_workstation
from tnt_desktop.sponsor import review
from tnt_desktop.sponsor.importer import import_package
from tnt_desktop.sponsor.store import init_store, open_store
from tnt_desktop.storage.models import ItemValue, Subject


def test_smoke(pg_url, sponsor_key, tmp_path):
    init_store(pg_url)
    ws1 = make_workstation(tmp_path, 1)
    ws2 = make_workstation(tmp_path, 2)
    ws1.enrol(2)
    ws2.enrol(1)
    p1 = ws1.package(tmp_path / "out", sponsor_key)
    p2 = ws2.package(tmp_path / "out", sponsor_key)
    store = open_store(pg_url)
    for p in (p1, p2, p1):
        r = import_package(store, p, sponsor_key.decryptor())
        print(r.line().en)
    with store.transaction(write=False) as s:
        print([(x.screening_number, x.subject_id) for x in s.scalars(select(Subject))])
        print(s.query(ItemValue).count())
    print(review.status_lines(review.status(store)))
    print(review.verify_chains(store))
    store.close()
