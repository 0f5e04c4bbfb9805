"""Digest of a baseline run's data, to compare results across interpreters and Mesa versions.

Runs ``qgeo run baseline`` (3 replications, no plots) into a temporary directory and writes
a JSON file with the SHA-256 of every table's data (column names and values, not file
bytes, timestamps or versions), one digest over all of them, and the Python and Mesa
versions that produced them. ``.ci/matrix`` compares the ``digest`` of each interpreter.

Usage: python .ci/digest.py OUT.json
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from sim.cli import main
from sim.engine.store import SUMMARY, TABLES, read_table

REPLICATIONS = 3


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's column names and values (numbers by their bytes, the rest as text)."""
    digest = hashlib.sha256()
    for name in frame.columns:
        values = frame[name].to_numpy()
        digest.update(str(name).encode() + b"\0")
        if values.dtype.kind in "biu":
            digest.update(b"i" + np.ascontiguousarray(values, dtype=np.int64).tobytes())
        elif values.dtype.kind == "f":
            digest.update(b"f" + np.ascontiguousarray(values, dtype=np.float64).tobytes())
        else:
            digest.update("\x1f".join(map(str, values.tolist())).encode())
    return digest.hexdigest()


def run_digest(out: Path) -> dict[str, object]:
    """Run the baseline and digest its tables and summary."""
    code = main(["run", "baseline", "--replications", str(REPLICATIONS), "--no-plots", "--out", str(out)])
    if code != 0:
        raise SystemExit(f"qgeo run failed with exit code {code}")
    tables = {table: frame_digest(read_table(out, table)) for table in TABLES}
    tables[SUMMARY] = frame_digest(pd.read_csv(out / SUMMARY))
    combined = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()
    return {"digest": combined, "tables": tables, "python": platform.python_version(),
            "mesa": version("mesa"), "replications": REPLICATIONS}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as directory:
        result = run_digest(Path(directory) / "baseline")
    Path(sys.argv[1]).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"python {result['python']}, mesa {result['mesa']}: digest {result['digest']}")
