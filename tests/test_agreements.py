"""The observed-agreements file: loading, validation messages and the out-of-sample split."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.base.errors import UserError
from sim.world.agreements import (
    AGREEMENT_KINDS,
    CALIBRATION_END,
    VALIDATION_YEARS,
    AgreementsError,
    calibration_rows,
    load_agreements,
    validation_rows,
)

KNOWN = {"CHN", "RUS", "USA", "VNM", "EGY", "IND", "JPN"}
HEADER = "a_iso3,b_iso3,year,kind,source,note"


def write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "agreements.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


GOOD = (
    "RUS,CHN,2019,joint_statement,https://example.org/a,Roadmap",
    "VNM,RUS,2021,mou,https://example.org/b,",
    "",
    'USA,JPN,2023,programme,https://example.org/c,"Joint programme, with funding"',
    "EGY,RUS,2025,commercial,https://example.org/d,Nuclear-based",
    "IND,USA,2026,talks,https://example.org/e,After the window",
)


@pytest.fixture
def frame(tmp_path: Path):
    return load_agreements(write(tmp_path, *GOOD), KNOWN)


def test_good_file_loads_with_sorted_pairs(frame) -> None:
    assert list(frame.columns) == ["a_iso3", "b_iso3", "year", "kind", "source", "note", "pair"]
    assert len(frame) == 5
    assert frame["pair"].tolist() == ["CHN-RUS", "RUS-VNM", "JPN-USA", "EGY-RUS", "IND-USA"]
    assert frame["a_iso3"].tolist()[0] == "RUS"  # the codes themselves keep the file's order
    assert frame["year"].dtype.kind == "i"
    assert frame["year"].tolist() == [2019, 2021, 2023, 2025, 2026]
    assert frame["note"].tolist()[1] == ""
    assert frame["note"].tolist()[2] == "Joint programme, with funding"
    assert set(frame["kind"]) <= set(AGREEMENT_KINDS)


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    path = write(tmp_path, "x,2020,CHN,RUS,mou,src", header="note,year,a_iso3,b_iso3,kind,source")
    loaded = load_agreements(path, KNOWN)
    assert loaded.loc[0, "pair"] == "CHN-RUS"
    assert loaded.loc[0, "note"] == "x"


def test_header_only_gives_empty_frame(tmp_path: Path) -> None:
    loaded = load_agreements(write(tmp_path), KNOWN)
    assert loaded.empty
    assert "pair" in loaded.columns


def error_for(tmp_path: Path, *lines: str, header: str = HEADER) -> tuple[AgreementsError, str]:
    path = write(tmp_path, *lines, header=header)
    with pytest.raises(AgreementsError) as info:
        load_agreements(path, KNOWN)
    return info.value, str(path)


def test_unknown_code_names_place_and_nearest_code(tmp_path: Path) -> None:
    error, path = error_for(tmp_path, GOOD[0], "CHM,RUS,2020,mou,src,A long private note")
    message = str(error)
    assert message.startswith(f"{path}, line 3, column 'a_iso3':")
    assert "'CHM'" in message
    assert "did you mean 'CHN'?" in message
    assert "A long private note" not in message
    assert (error.line, error.column, error.suggestion) == (3, "a_iso3", "CHN")


def test_lowercase_code_suggests_the_code(tmp_path: Path) -> None:
    error, _ = error_for(tmp_path, "chn,RUS,2020,mou,src,")
    assert error.column == "a_iso3"
    assert error.suggestion == "CHN"


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    error, _ = error_for(tmp_path, GOOD[0], "", "", "CHN,XXX,2020,mou,src,")
    assert error.line == 5
    assert error.column == "b_iso3"
    assert error.suggestion is None
    assert "did you mean" not in str(error)


def test_same_code_twice(tmp_path: Path) -> None:
    error, path = error_for(tmp_path, "RUS,RUS,2020,mou,src,")
    assert str(error).startswith(f"{path}, line 2, column 'b_iso3':")
    assert "a country other than column 'a_iso3'" in str(error)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        ("20x1", "a year (integer"),
        ("2021.0", "a year (integer"),
        ("", "a year (integer"),
        ("1989", "a year between 1990 and 2100"),
        ("2101", "a year between 1990 and 2100"),
    ],
)
def test_bad_year(tmp_path: Path, year: str, expected: str) -> None:
    error, path = error_for(tmp_path, GOOD[0], GOOD[1], f"CHN,RUS,{year},mou,src,")
    message = str(error)
    assert message.startswith(f"{path}, line 4, column 'year': expected {expected}")
    assert (repr(year) if year else "an empty cell") in message


@pytest.mark.parametrize(("kind", "nearest"), [("joint_statment", "joint_statement"), ("MOU", "mou")])
def test_unknown_kind_suggests_nearest(tmp_path: Path, kind: str, nearest: str) -> None:
    error, path = error_for(tmp_path, f"CHN,RUS,2020,{kind},src,")
    message = str(error)
    assert message.startswith(f"{path}, line 2, column 'kind':")
    assert repr(kind) in message
    assert f"did you mean '{nearest}'?" in message


def test_empty_source(tmp_path: Path) -> None:
    error, path = error_for(tmp_path, "CHN,RUS,2020,mou,  ,note")
    assert str(error).startswith(f"{path}, line 2, column 'source':")
    assert "an empty cell" in str(error)


def test_missing_column(tmp_path: Path) -> None:
    error, path = error_for(tmp_path, "CHN,RUS,2020,mou,", header="a_iso3,b_iso3,year,kind,note")
    assert str(error).startswith(f"{path}, line 1, column 'source':")
    assert "no such column" in str(error)


def test_extra_column_suggests_nearest(tmp_path: Path) -> None:
    error, path = error_for(tmp_path, "CHN,RUS,2020,mou,src,", header="a_iso3,b_iso3,year,kind,source,notes")
    assert str(error).startswith(f"{path}, line 1, column 'notes':")
    assert "did you mean 'note'?" in str(error)


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    error, _ = error_for(tmp_path, "CHN,RUS,2020,mou,src,a note, with a comma")
    assert error.line == 2
    assert "7 fields" in str(error)


def test_long_cell_is_cut(tmp_path: Path) -> None:
    error, _ = error_for(tmp_path, f"CHN,RUS,2020,{'k' * 500},src,")
    assert "k" * 61 not in str(error)
    assert "500 characters" in str(error)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AgreementsError, match="no such file") as info:
        load_agreements(tmp_path / "nope.csv", KNOWN)
    assert str(tmp_path / "nope.csv") in str(info.value)
    with pytest.raises(AgreementsError, match="a directory"):
        load_agreements(tmp_path, KNOWN)


def test_error_is_a_user_error(tmp_path: Path) -> None:
    error, _ = error_for(tmp_path, "CHN,RUS,2020,mou,,")
    assert isinstance(error, UserError)


def test_split_is_the_brief_s(frame) -> None:
    assert CALIBRATION_END == 2021
    assert list(VALIDATION_YEARS) == [2022, 2023, 2024, 2025]
    assert calibration_rows(frame)["pair"].tolist() == ["CHN-RUS", "RUS-VNM"]
    assert validation_rows(frame)["pair"].tolist() == ["JPN-USA", "EGY-RUS"]  # 2026 is outside
    assert calibration_rows(frame, until=2019)["pair"].tolist() == ["CHN-RUS"]
    assert validation_rows(frame, years=[2026])["pair"].tolist() == ["IND-USA"]
    assert calibration_rows(frame).index.tolist() == [0, 1]


def test_calibration_cannot_reach_into_the_hindcast(frame) -> None:
    with pytest.raises(ValueError, match="at most 2021"):
        calibration_rows(frame, until=2022)
