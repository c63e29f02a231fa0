"""The BI views of the published file (crosstrack/publish.py `bi_views`): one published grouping set each, so that
their rows add up without double counting, and nothing but published cells."""

from __future__ import annotations

import re
import textwrap

import duckdb
import pytest

from crosstrack.contract.cubes import public_cubes
from crosstrack.publish import bi_views
from crosstrack.settings import PROJECT_DIR


@pytest.fixture(scope="module")
def published(built_warehouse):
    con = duckdb.connect(str(built_warehouse.public_database), read_only=True)
    yield con
    con.close()


def _views(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("select view_name, comment from duckdb_views() where schema_name = 'public' and not internal")
    return dict(rows.fetchall())


def test_every_cube_has_a_total_view_and_a_view_by_each_of_its_dimensions(published):
    views = _views(published)
    grouping_sets = set(published.execute("select cohort, dimensions from public.pub_grouping_sets").fetchall())
    expected = {view.name for view in bi_views(grouping_sets)}
    for cohort, cube in public_cubes().items():
        assert f"bi_{cohort}_total" in expected
        assert {f"bi_{cohort}_by_{dimension['name']}" for dimension in cube["dimensions"]} <= expected
    assert set(views) == expected
    assert all(views.values())  # each documented


def test_a_view_holds_one_row_per_key_each_a_published_cell_as_it_is(published):
    grouping_sets = set(published.execute("select cohort, dimensions from public.pub_grouping_sets").fetchall())
    for view in bi_views(grouping_sets):
        keys = ", ".join(f'"{key}"' for key in view.keys)
        rows, distinct = published.execute(
            f'select count(*), count(distinct ({keys})) from public."{view.name}"'
        ).fetchone()
        assert rows == distinct, f"{view.name}: {rows - distinct} rows counted twice"
        assert rows > 0, view.name
        columns = ", ".join(f'"{column}"' for column in view.columns)
        # Every row is a cell of the cube as published (no new statistic), and the view has every cell of its set.
        extra = published.execute(
            f'select count(*) from (select {columns} from public."{view.name}" '
            f'except all select {columns} from public."{view.table}" where dimensions = ?)',
            [view.grouping_set],
        ).fetchone()[0]
        assert extra == 0, view.name
        cube_rows = published.execute(
            f'select count(*) from public."{view.table}" where dimensions = ?', [view.grouping_set]
        ).fetchone()[0]
        if not view.where:
            assert rows == cube_rows, view.name


def test_an_offense_view_is_the_cells_of_the_offender_status_it_requires(published):
    sentenced = published.execute(
        "select count(*) from public.pub_custodial_population "
        "where dimensions = 'governing_offense_type,offender_status' and offender_status = 'Sentenced'"
    ).fetchone()[0]
    viewed = published.execute("select count(*) from public.bi_custodial_by_governing_offense_type").fetchone()[0]
    assert viewed == sentenced > 0


def test_every_view_the_bi_guide_names_is_in_the_published_file(published):
    guide = (PROJECT_DIR / "docs" / "bi_guide.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bbi_[a-z_]+[a-z]\b", guide)) - {"bi_guide"}
    assert named
    assert named <= set(_views(published)), sorted(named - set(_views(published)))


def test_the_bi_guide_recipes_run_against_a_published_release(built_warehouse, capfd):
    """The guide's Python and SQL recipes, as written, with its example folder replaced by the session's."""
    guide = (PROJECT_DIR / "docs" / "bi_guide.md").read_text(encoding="utf-8")
    folder = str(built_warehouse.published)
    python = re.findall(r"```python\n(.*?)```", guide, re.S)
    sql = re.findall(r"```sql\n(-- any DuckDB.*?)```", guide, re.S)
    assert len(python) >= 2 and len(sql) == 1
    for recipe in python:
        exec(textwrap.dedent(recipe).replace("warehouse/public", folder), {})
    printed = capfd.readouterr().out
    assert "agency" in printed and "People in custody" in printed  # the view's rows, the table's description
    con = duckdb.connect()
    rows = con.execute(sql[0].replace("warehouse/public", folder)).fetchall()
    con.close()
    assert rows and len({agency for _, agency, _ in rows}) > 1
