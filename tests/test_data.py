"""Tests for the baseline data files and their validating loader (sim.world.data)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.world.data import (
    ATTRIBUTES,
    BASE_YEAR,
    DEFAULT_DATA_DIR,
    FILES,
    ROLES,
    DataError,
    WorldData,
    load_world,
)

MODEL_MD_COUNTRIES = (
    "USA CHN EUU DEU FRA NLD GBR JPN KOR CAN AUS IND RUS ISR SGP TWN ESP ITA DNK CHE AUT "
    "BRA ZAF THA IRN VNM EGY SAU SWE FIN"
).split()


@pytest.fixture(scope="module")
def world() -> WorldData:
    return load_world()


# --------------------------------------------------------------- shipped data


def test_default_dir_is_repo_scenarios_data():
    assert DEFAULT_DATA_DIR == Path(__file__).resolve().parents[1] / "scenarios" / "data"
    for name in FILES:
        assert (DEFAULT_DATA_DIR / name).is_file(), name
    assert (DEFAULT_DATA_DIR / "README.md").is_file()


def test_shipped_data_loads(world):
    n = len(world.iso3)
    assert n >= 40
    assert world.base_year == BASE_YEAR == 2025
    assert world.role.dtype == np.dtype("<U11")
    assert set(world.role) <= set(ROLES)
    assert set(world.bloc) <= {"west", "east", "nonaligned"}
    for attr in ATTRIBUTES:
        values = getattr(world, attr)
        assert values.shape == (n,) and values.dtype == np.float64, attr
        assert np.isfinite(values).all(), attr
    for matrix in (world.ties, world.alliance, world.sanctions, world.controls):
        assert matrix.shape == (n, n)
    assert np.array_equal(world.ties, world.ties.T)
    assert np.array_equal(world.alliance, world.alliance.T)
    assert not np.diag(world.ties).any() and not np.diag(world.controls).any()
    assert world.alliance.dtype == bool


def test_every_model_md_country_present(world):
    missing = [code for code in MODEL_MD_COUNTRIES if code not in world.iso3]
    assert not missing


def test_roles_as_stated(world):
    role = dict(zip(world.iso3, world.role, strict=True))
    leaders = sorted(code for code, r in role.items() if r == "leader")
    assert leaders == ["CHN", "USA"]
    for code in "EUU DEU FRA NLD GBR JPN KOR CAN AUS IND RUS ISR SGP TWN ESP ITA DNK CHE AUT".split():
        assert role[code] == "provider", code
    for code in "BRA ZAF THA IRN VNM EGY SAU".split():
        assert role[code] == "second_wave", code
    assert sum(r == "second_wave" for r in role.values()) >= 14


def test_blocs_as_stated(world):
    bloc = dict(zip(world.iso3, world.bloc, strict=True))
    for code in ("RUS", "CHN", "IRN", "BLR"):
        assert bloc[code] == "east", code
    for code in ("USA", "GBR", "JPN", "KOR", "AUS", "DEU"):
        assert bloc[code] == "west", code


def test_every_attribute_row_has_source_and_year_or_method(world):
    prov = world.provenance
    assert len(prov) == len(world.iso3) * len(ATTRIBUTES)
    assert not prov.duplicated(["iso3", "attribute"]).any()
    sourced = ~prov["estimated"]
    assert (prov.loc[sourced, "source"].str.len() > 0).all()
    assert prov.loc[sourced, "year"].notna().all()
    assert (prov.loc[prov["estimated"], "method"].str.len() > 0).all()


def test_heavy_tail_top_three_hold_more_than_half(world):
    budgets = np.sort(world.budget_usd)[::-1]
    assert budgets[:3].sum() / budgets.sum() > 0.5


def test_model_md_facts_in_data(world):
    def value(code, attr):
        return getattr(world, attr)[world.index(code)]

    russia = world.provenance[(world.provenance.iso3 == "RUS") & (world.provenance.attribute == "efficiency")]
    method = russia.method.iloc[0]
    assert bool(russia.estimated.iloc[0]) and "0.29" in method and "1.6" in method
    assert 0.29 <= value("RUS", "efficiency") <= 1.6
    assert value("IND", "disbursed_share") <= 0.4
    assert value("VNM", "dependence_aversion") > 1.0
    assert value("USA", "alignment") == -1.0 and value("CHN", "alignment") == 1.0
    assert value("RUS", "openness") > value("USA", "openness") > value("CHN", "openness")
    assert value("RUS", "price_usd") < value("USA", "price_usd")
    assert value("IND", "price_usd") < value("EUU", "price_usd")
    usa, chn, rus, vnm = (world.index(c) for c in ("USA", "CHN", "RUS", "VNM"))
    assert world.sanctions[usa, rus] == pytest.approx(0.7)
    assert world.sanctions[usa, chn] == pytest.approx(0.3)
    assert world.controls[usa, chn] == pytest.approx(0.6)
    assert world.controls[usa, world.index("GBR")] == 0.0
    assert world.alliance[usa, world.index("JPN")]
    assert world.ties[rus, vnm] == 0.0  # quantum talks live in agreements.csv, not in the trust ties
    assert world.ties[rus, world.index("EGY")] == pytest.approx(0.5)
    # Nuclear ties that are not Russian (MODEL.md, "Facts checked since the first model").
    assert world.ties[world.index("KOR"), world.index("ARE")] == pytest.approx(0.5)
    assert world.ties[chn, world.index("PAK")] == pytest.approx(0.5)
    assert world.ties[chn, world.index("KAZ")] == pytest.approx(0.5)
    # Hungary implements the EU's sanctions as a member; it imposes none of its own.
    assert not world.sanctions[world.index("HUN")].any()


def test_index_and_suggestion(world):
    assert world.iso3[world.index("VNM")] == "VNM"
    with pytest.raises(KeyError, match="VNM"):
        world.index("VMN")


def test_arrays_are_read_only(world):
    with pytest.raises(ValueError):
        world.budget_usd[0] = 1.0


# ------------------------------------------------------------------ overrides


def test_with_overrides_changes_only_the_named_value(world):
    new = world.with_overrides({"VNM": {"dependence_aversion": 3.0}})
    i = world.index("VNM")
    assert new.dependence_aversion[i] == 3.0
    assert world.dependence_aversion[i] == 2.0  # original untouched
    changed = new.dependence_aversion != world.dependence_aversion
    assert changed.sum() == 1
    for attr in ATTRIBUTES:
        if attr != "dependence_aversion":
            assert np.array_equal(getattr(new, attr), getattr(world, attr)), attr
    assert np.array_equal(new.ties, world.ties)
    assert new.iso3 == world.iso3


@pytest.mark.parametrize(
    ("overrides", "column", "hint"),
    [
        ({"VNN": {"openness": 0.5}}, "iso3", "VNM"),
        ({"VNM": {"opennes": 0.5}}, "attribute", "openness"),
        ({"VNM": {"openness": 1.5}}, "openness", None),
        ({"VNM": {"budget_usd": 0.0}}, "budget_usd", None),
        ({"VNM": {"alignment": "left"}}, "alignment", None),
    ],
)
def test_with_overrides_rejects_bad_keys_and_values(world, overrides, column, hint):
    with pytest.raises(DataError) as info:
        world.with_overrides(overrides)
    err = info.value
    assert err.file == "overrides" and err.column == column
    if hint:
        assert f"did you mean '{hint}'" in str(err)


# ------------------------------------------------------------ validation errors


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _edit(data: Path, name: str, find: dict[str, str], column: str, value: str) -> int:
    """Set ``column`` to ``value`` in the first row matching ``find``; return its line."""
    rows = _rows(data / name)
    header = rows[0]
    for n, row in enumerate(rows[1:], start=2):
        if all(row[header.index(k)] == v for k, v in find.items()):
            row[header.index(column)] = value
            _write(data / name, rows)
            return n
    raise AssertionError(f"no row {find} in {name}")


def _check(data: Path, file: str, line: int | None, column: str | None) -> DataError:
    with pytest.raises(DataError) as info:
        load_world(data)
    err = info.value
    message = str(err)
    assert err.file == file and file in message
    assert err.row == line
    if line is not None:
        assert f"line {line}" in message
    assert err.column == column
    if column is not None:
        assert f"column '{column}'" in message
    assert "expected" in message and "found" in message
    return err


def test_missing_file(tmp_path):
    data = _copy(tmp_path)
    (data / "sanctions.csv").unlink()
    err = _check(data, "sanctions.csv", None, None)
    assert "no such file" in str(err)


def test_missing_column(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "ties.csv")
    k = rows[0].index("strength")
    _write(data / "ties.csv", [r[:k] + r[k + 1 :] for r in rows])
    _check(data, "ties.csv", 1, "strength")


def test_unexpected_column_suggests_nearest(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "countries.csv")
    rows[0][rows[0].index("bloc")] = "blok"
    _write(data / "countries.csv", rows)
    err = _check(data, "countries.csv", 1, "blok")
    assert "did you mean 'bloc'" in str(err)


def test_duplicate_iso3(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "countries.csv")
    rows.append(list(rows[5]))
    _write(data / "countries.csv", rows)
    err = _check(data, "countries.csv", len(rows), "iso3")
    assert "line 6" in str(err)


def test_iso3_not_three_uppercase_letters(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "countries.csv", {"iso3": "BRA"}, "iso3", "Bra")
    _check(data, "countries.csv", line, "iso3")


def test_unknown_role_suggests_nearest(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "countries.csv", {"iso3": "BRA"}, "role", "second-wave")
    err = _check(data, "countries.csv", line, "role")
    assert "did you mean 'second_wave'" in str(err)


def test_unknown_bloc(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "countries.csv", {"iso3": "BRA"}, "bloc", "south")
    _check(data, "countries.csv", line, "bloc")


def test_unknown_kind_suggests_nearest(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "ties.csv", {"b": "EGY", "kind": "nuclear"}, "kind", "nucelar")
    err = _check(data, "ties.csv", line, "kind")
    assert "did you mean 'nuclear'" in str(err)


def test_misspelled_iso3_in_ties_suggests_the_right_one(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "ties.csv", {"b": "EGY"}, "b", "EGT")
    err = _check(data, "ties.csv", line, "b")
    assert "did you mean 'EGY'" in str(err)
    assert err.suggestion == "EGY"


def test_unknown_iso3_in_attributes(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "attributes.csv", {"iso3": "EGY", "attribute": "openness"}, "iso3", "EGX")
    err = _check(data, "attributes.csv", line, "iso3")
    assert "did you mean 'EGY'" in str(err)


def test_unknown_iso3_in_sanctions_list(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "sanctions.csv")
    header = rows[0]
    rows[1][header.index("imposed_by")] += ";GBP"
    _write(data / "sanctions.csv", rows)
    err = _check(data, "sanctions.csv", 2, "imposed_by")
    assert "GBR" in str(err)


def test_unknown_iso3_in_controls_exempt(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "controls.csv", {"actor": "USA"}, "exempt", "GBR;XXY")
    _check(data, "controls.csv", line, "exempt")


def test_unknown_attribute_name_is_an_error(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "VNM", "attribute": "dependence_aversion"}
    line = _edit(data, "attributes.csv", find, "attribute", "dependance_aversion")
    err = _check(data, "attributes.csv", line, "attribute")
    assert "did you mean 'dependence_aversion'" in str(err)


def test_missing_country_attribute_pair(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "attributes.csv")
    header = rows[0]
    keep = [
        r
        for r in rows
        if not (r[header.index("iso3")] == "THA" and r[header.index("attribute")] == "price_usd")
    ]
    _write(data / "attributes.csv", keep)
    err = _check(data, "attributes.csv", None, "attribute")
    assert "THA price_usd" in str(err)


def test_duplicate_country_attribute_pair(tmp_path):
    data = _copy(tmp_path)
    rows = _rows(data / "attributes.csv")
    rows.append(list(rows[3]))
    _write(data / "attributes.csv", rows)
    err = _check(data, "attributes.csv", len(rows), "attribute")
    assert "line 4" in str(err)


def test_non_numeric_value(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "USA", "attribute": "budget_usd"}
    line = _edit(data, "attributes.csv", find, "value", "932 million")
    _check(data, "attributes.csv", line, "value")


@pytest.mark.parametrize(
    ("attribute", "bad"),
    [
        ("budget_usd", "0"),
        ("budget_usd", "-5"),
        ("disbursed_share", "0"),
        ("disbursed_share", "1.2"),
        ("efficiency", "0.01"),
        ("efficiency", "11"),
        ("openness", "-0.1"),
        ("openness", "1.01"),
        ("price_usd", "0"),
        ("alignment", "1.5"),
        ("alignment", "-1.5"),
        ("dependence_aversion", "-1"),
        ("dependence_aversion", "12"),
        ("openness", "nan"),
    ],
)
def test_value_out_of_range(tmp_path, attribute, bad):
    data = _copy(tmp_path)
    line = _edit(data, "attributes.csv", {"iso3": "VNM", "attribute": attribute}, "value", bad)
    _check(data, "attributes.csv", line, "value")


def test_wrong_unit(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "USA", "attribute": "budget_usd"}
    line = _edit(data, "attributes.csv", find, "unit", "EUR/yr")
    _check(data, "attributes.csv", line, "unit")


@pytest.mark.parametrize(
    ("file", "find", "column"),
    [
        ("ties.csv", {"b": "EGY"}, "strength"),
        ("sanctions.csv", {"target": "RUS"}, "severity"),
        ("controls.csv", {"actor": "USA"}, "stringency"),
    ],
)
@pytest.mark.parametrize("bad", ["1.1", "-0.2", "strong"])
def test_pairwise_number_out_of_range(tmp_path, file, find, column, bad):
    data = _copy(tmp_path)
    line = _edit(data, file, find, column, bad)
    _check(data, file, line, column)


def test_sourced_row_without_source(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "USA", "attribute": "budget_usd", "estimated": "false"}
    line = _edit(data, "attributes.csv", find, "source", "")
    _check(data, "attributes.csv", line, "source")


def test_sourced_row_without_year(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "USA", "attribute": "budget_usd", "estimated": "false"}
    line = _edit(data, "attributes.csv", find, "year", "")
    _check(data, "attributes.csv", line, "year")


def test_estimated_row_without_method(tmp_path):
    data = _copy(tmp_path)
    find = {"iso3": "VNM", "attribute": "budget_usd", "estimated": "true"}
    line = _edit(data, "attributes.csv", find, "method", "")
    _check(data, "attributes.csv", line, "method")


def test_estimated_flag_must_be_true_or_false(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "attributes.csv", {"iso3": "VNM", "attribute": "openness"}, "estimated", "yes")
    _check(data, "attributes.csv", line, "estimated")


def test_leaders_missing(tmp_path):
    data = _copy(tmp_path)
    _edit(data, "countries.csv", {"iso3": "USA"}, "role", "provider")
    _edit(data, "countries.csv", {"iso3": "CHN"}, "role", "provider")
    err = _check(data, "countries.csv", None, "role")
    assert "leader" in str(err)


def test_row_with_wrong_number_of_fields(tmp_path):
    data = _copy(tmp_path)
    path = data / "ties.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text.append("USA,VNM,nuclear,0.5,unquoted, comma,2024,basis")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    _check(data, "ties.csv", len(text), None)


def test_tie_with_itself(tmp_path):
    data = _copy(tmp_path)
    line = _edit(data, "ties.csv", {"a": "RUS", "b": "EGY"}, "b", "RUS")
    _check(data, "ties.csv", line, "b")


def test_data_error_is_value_error(tmp_path):
    data = _copy(tmp_path)
    (data / "controls.csv").unlink()
    with pytest.raises(ValueError):
        load_world(data)


def test_controls_and_sanctions_matrices_follow_rows(tmp_path):
    data = _copy(tmp_path)
    iso3 = [r[0] for r in _rows(data / "countries.csv")[1:]]
    _write(
        data / "controls.csv",
        [list(FILES["controls.csv"]), ["CHN", "0.5", "RUS", "2020", "s", "2020", "b"]],
    )
    _write(
        data / "sanctions.csv",
        [
            list(FILES["sanctions.csv"]),
            ["IRN", "USA;GBR", "0.9", "2018", "s", "2018", "b"],
            ["IRN", "USA", "0.4", "2010", "s", "2010", "b"],
        ],
    )
    world = load_world(data)
    chn, rus, usa, gbr, irn = (iso3.index(c) for c in ("CHN", "RUS", "USA", "GBR", "IRN"))
    assert world.controls[chn, rus] == 0.0 and world.controls[chn, chn] == 0.0
    assert world.controls[chn, usa] == 0.5
    assert world.controls[usa].sum() == 0.0
    assert world.sanctions[usa, irn] == 0.9 and world.sanctions[gbr, irn] == 0.9
    assert world.sanctions[irn].sum() == 0.0


LONG = "Q" * 10_000


@pytest.mark.parametrize(
    ("file", "find", "column"),
    [
        ("countries.csv", {"iso3": "USA"}, "role"),
        ("countries.csv", {"iso3": "USA"}, "iso3"),
        ("attributes.csv", {"iso3": "USA", "attribute": "budget_usd"}, "value"),
        ("attributes.csv", {"iso3": "USA", "attribute": "budget_usd"}, "attribute"),
        ("ties.csv", {"a": "USA", "b": "CAN"}, "strength"),
        ("ties.csv", {"a": "USA", "b": "CAN"}, "b"),
        ("controls.csv", {"actor": "USA"}, "exempt"),
        ("sanctions.csv", {"target": "RUS"}, "severity"),
        ("agreements.csv", {"a_iso3": "USA", "b_iso3": "JPN"}, "year"),
        ("agreements.csv", {"a_iso3": "USA", "b_iso3": "JPN"}, "kind"),
    ],
)
def test_a_long_bad_cell_is_quoted_cut(tmp_path, file, find, column):
    """A data file's content is never echoed beyond the offending cell, and a long cell is cut."""
    data = _copy(tmp_path)
    line = _edit(data, file, find, column, LONG)
    with pytest.raises(ValueError) as info:
        load_world(data)
    message = str(info.value)
    assert f"line {line}" in message and file in message
    assert "(cut, 10000 characters)" in message
    assert len(message) < 600, message


@pytest.mark.parametrize("file", ["countries.csv", "agreements.csv"])
def test_a_long_unexpected_header_column_is_cut(tmp_path, file):
    data = _copy(tmp_path)
    rows = _rows(data / file)
    rows[0].append(LONG)
    for row in rows[1:]:
        row.append("")
    _write(data / file, rows)
    with pytest.raises(ValueError) as info:
        load_world(data)
    message = str(info.value)
    assert "unexpected column" in message and "line 1" in message
    assert len(message) < 600, message


@pytest.mark.parametrize("file", ["countries.csv", "ties.csv", "agreements.csv"])
def test_bytes_that_are_not_utf8_are_named(tmp_path, file):
    data = _copy(tmp_path)
    (data / file).write_bytes((data / file).read_bytes().replace(b"USA", b"U\xffA", 1))
    with pytest.raises(ValueError, match=rf"{file}: expected UTF-8 text, found an undecodable byte"):
        load_world(data)


@pytest.mark.parametrize("file", ["countries.csv", "agreements.csv"])
def test_a_field_longer_than_the_csv_reader_takes_is_named(tmp_path, file):
    data = _copy(tmp_path)
    rows = _rows(data / file)
    rows[2][-1] = "N" * 200_000
    _write(data / file, rows)
    with pytest.raises(ValueError) as info:
        load_world(data)
    message = str(info.value)
    assert f"{file}, line 3: expected a well-formed CSV row" in message, message
    assert "field larger than field limit" in message and len(message) < 300
