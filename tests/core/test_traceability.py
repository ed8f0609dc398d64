"""The requirement traceability matrix (issue 6, item 7): every requirement claimed implemented
has a marked test, every mark names a known requirement, docs/traceability.md is what the
generator writes now, and the static collector reads both forms of the `req` mark."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tools import traceability
from tools.traceability import (
    BY_ID,
    REQUIREMENTS,
    Status,
    collect_tests,
    main,
    render,
    requirement_tests,
    source_tests,
    spec_ids,
    table_problems,
    unknown_ids,
    untested_claims,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def repository_tests():
    return collect_tests(ROOT / "tests", ROOT)


def test_the_table_is_consistent():
    assert table_problems() == []
    assert len(REQUIREMENTS) == len(BY_ID) == 42
    statuses = {r.status for r in REQUIREMENTS}
    assert statuses == set(Status)


def test_every_implemented_requirement_has_a_marked_test(repository_tests):
    assert untested_claims(repository_tests) == [], (
        "claimed implemented without a test: mark the tests that prove them with "
        '@pytest.mark.req("REQ-…") or lower the status in tools/traceability.py')


def test_every_marked_id_is_in_the_table(repository_tests):
    assert unknown_ids(repository_tests) == {}
    marked = requirement_tests(repository_tests)
    assert len(marked) >= 20  # the suite really is marked


@pytest.mark.req("REQ-VAL-01")
def test_the_committed_matrix_is_current(repository_tests):
    committed = (ROOT / traceability.DEFAULT_OUT).read_text(encoding="utf-8")
    assert committed == render(repository_tests), (
        f"docs/traceability.md is stale: run `{traceability.COMMAND}` and commit it")
    assert main(["--root", str(ROOT), "--check"]) == 0


def test_a_spec_copy_is_compared_with_the_table_both_ways():
    # the spec itself is not in the repository; this is what `--spec FILE` reports about one
    hyphen = "\u2011"  # the spec writes its ids with non-breaking hyphens
    ids = sorted(BY_ID)
    text = "\n".join(f"| {i.replace('-', hyphen)} | requirement |" for i in ids)
    assert spec_ids(text) == ids
    assert traceability.spec_differences(text) == ([], [])
    fewer = text.replace(ids[0].replace("-", hyphen), "")
    assert traceability.spec_differences(fewer + "\nREQ-ZZ-99") == (["REQ-ZZ-99"], [ids[0]])
    assert traceability.normalise_id("REQ\u2011AT\u201101") == "REQ-AT-01"


SYNTHETIC = '''\
import pytest
from pytest import mark

pytestmark = [pytest.mark.req("REQ-AT-01"), pytest.mark.skipif(False, reason="x")]


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.req("REQ-AT-02", "REQ-SEC-01")
def test_decorated(n):
    pass


@mark.req("REQ-PI-01")
async def test_async():
    pass


def test_module_mark_only():
    pass


def helper_not_a_test():
    pass


@pytest.mark.req("REQ-DQ-01")
class TestGroup:
    pytestmark = pytest.mark.req("REQ-DQ-02")

    @pytest.mark.req("REQ-DQ-04")
    def test_method(self):
        pass

    def not_a_test(self):
        pass


ID = "REQ-AC-01"


@pytest.mark.req(ID)
def test_not_a_literal():
    pass
'''


def test_the_collector_reads_decorators_and_pytestmark(tmp_path):
    folder = tmp_path / "tests" / "unit"
    folder.mkdir(parents=True)
    (folder / "test_sample.py").write_text(SYNTHETIC, encoding="utf-8")
    (folder / "helpers.py").write_text("def test_ignored():\n    pass\n", encoding="utf-8")
    (folder / "plain_test.py").write_text(textwrap.dedent('''\
        import pytest

        pytestmark = pytest.mark.req("REQ-ARC-02")

        def test_plain():
            pass
        '''), encoding="utf-8")  # fmt: skip
    found = {t.nodeid: t.ids for t in collect_tests(tmp_path / "tests", tmp_path)}
    sample = "tests/unit/test_sample.py"
    assert found == {
        f"{sample}::test_decorated": ("REQ-AT-01", "REQ-AT-02", "REQ-SEC-01"),
        f"{sample}::test_async": ("REQ-AT-01", "REQ-PI-01"),
        f"{sample}::test_module_mark_only": ("REQ-AT-01",),
        f"{sample}::TestGroup::test_method": ("REQ-AT-01", "REQ-DQ-01", "REQ-DQ-02",
                                              "REQ-DQ-04"),
        f"{sample}::test_not_a_literal": ("REQ-AT-01", "<not a literal: ID>"),
        "tests/unit/plain_test.py::test_plain": ("REQ-ARC-02",),
    }
    tests = collect_tests(tmp_path / "tests", tmp_path)
    assert unknown_ids(tests) == {"<not a literal: ID>": [f"{sample}::test_not_a_literal"]}
    assert source_tests("def test_x():\n    pass\n", "t.py")[0].ids == ()


def test_the_check_option_reports_a_stale_file(tmp_path, capsys):
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "test_one.py").write_text(
        'import pytest\n\n\n@pytest.mark.req("REQ-AT-05")\ndef test_one():\n    pass\n',
        encoding="utf-8")  # fmt: skip
    out = tmp_path / "matrix.md"
    args = ["--root", str(tmp_path), "--out", str(out)]
    assert main([*args, "--check"]) == 1  # missing
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert "`tests/test_one.py::test_one`" in text and "| REQ-AT-05 |" in text
    assert main([*args, "--check"]) == 0
    out.write_text(text.replace("REQ-AT-05", "REQ-AT-5"), encoding="utf-8")
    assert main([*args, "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["--root", str(tmp_path / "nowhere"), "--check"]) == 2
