"""A national police/ folder and LSOA lookup for timing metrics 16-17 (not part of the tests):
43 forces' street files for `--months` months, about `--rows` rows a year in all (police.uk's
England and Wales is about 7.5 million rows a year, anti-social behaviour included), in the
shapes of the download (YYYY-MM/ folders, outcomes files beside them), over the 152 areas of
the areas seed (about 222 invented LSOAs each), written with DuckDB's own CSV writer.

    .venv/bin/python benchmarks/police_folder.py /tmp/england --rows 7500000 --months 60

Add it to a raw folder (`cdap sample --out /tmp/england` first) and refresh that folder.
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import contract  # noqa: E402

FORCES = 43
LSOAS_PER_AREA = 222
# police.uk's crime types and their rough shares of a year's rows
TYPES = {
    "Violence and sexual offences": 0.30,
    "Anti-social behaviour": 0.16,
    "Criminal damage and arson": 0.08,
    "Public order": 0.08,
    "Other theft": 0.07,
    "Shoplifting": 0.06,
    "Vehicle crime": 0.05,
    "Burglary": 0.04,
    "Drugs": 0.03,
    "Other crime": 0.02,
    "Possession of weapons": 0.01,
    "Robbery": 0.01,
    "Theft from the person": 0.01,
    "Bicycle theft": 0.01,
}


def months(count: int, last: str = "2025-06") -> list[str]:
    year, month = map(int, last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def write(raw: Path, rows_a_year: int, month_count: int) -> None:
    started = time.monotonic()
    con = duckdb.connect()
    areas = sorted(contract.KNOWN_AREA_CODES - {contract.ENGLAND_CODE})
    con.execute("CREATE TABLE areas (area_code VARCHAR, area_number INTEGER)")
    con.executemany("INSERT INTO areas VALUES (?, ?)", [(a, i) for i, a in enumerate(areas)])
    con.execute(
        f"""
        CREATE TABLE lsoas AS
        SELECT 'E01' || lpad((area_number * {LSOAS_PER_AREA} + n)::VARCHAR, 6, '0') AS lsoa_code,
               area_code, area_number % {FORCES} AS force_number,
               row_number() OVER (PARTITION BY area_number % {FORCES} ORDER BY area_number, n) - 1
                   AS position
        FROM areas, range({LSOAS_PER_AREA}) AS r (n)
        """
    )
    con.execute(
        "CREATE TABLE force_sizes AS SELECT force_number, count(*) AS lsoas FROM lsoas GROUP BY 1"
    )
    con.execute("CREATE TABLE types (crime_type VARCHAR, low DOUBLE, high DOUBLE)")
    low = 0.0
    for crime_type, share in TYPES.items():
        con.execute("INSERT INTO types VALUES (?, ?, ?)", [crime_type, low, low + share])
        low += share
    con.execute("UPDATE types SET high = 1.0 WHERE high = (SELECT max(high) FROM types)")
    # each of 10,000 buckets is one crime type, in proportion to its share (an equi-join)
    con.execute(
        "CREATE TABLE buckets AS SELECT b AS bucket, crime_type FROM range(10000) AS r (b) "
        "JOIN types ON b / 10000.0 >= types.low AND b / 10000.0 < types.high"
    )
    month_list = months(month_count)
    con.execute("CREATE TABLE month_list (file_month VARCHAR, month_number INTEGER)")
    con.executemany(
        "INSERT INTO month_list VALUES (?, ?)", [(m, i) for i, m in enumerate(month_list)]
    )
    total = rows_a_year * month_count // 12
    out = raw / "_police_parts"
    shutil.rmtree(out, ignore_errors=True)
    con.execute(
        f"""
        COPY (
            WITH drawn AS (
                SELECT i, i % {FORCES} AS force_number, (i // {FORCES}) % {month_count}
                           AS month_number,
                       hash(i) AS h
                FROM range({total}) AS r (i)
            ),
            picked AS (
                SELECT drawn.*, (drawn.h // 7) % force_sizes.lsoas AS position,
                       ((drawn.h // 13) % 10000)::INTEGER AS bucket
                FROM drawn JOIN force_sizes USING (force_number)
            )
            SELECT
                CASE WHEN types.crime_type = 'Anti-social behaviour' THEN ''
                     ELSE md5(picked.i::VARCHAR) || md5((picked.i + 1)::VARCHAR) END
                    AS "Crime ID",
                month_list.file_month AS "Month",
                'Force ' || picked.force_number AS "Reported by",
                'Force ' || picked.force_number AS "Falls within",
                round(-2 + (picked.h % 1000) / 1000.0, 6) AS "Longitude",
                round(52 + (picked.h % 997) / 1000.0, 6) AS "Latitude",
                'On or near Street ' || (picked.h % 500) AS "Location",
                CASE WHEN picked.h % 100 = 0 THEN '' ELSE lsoas.lsoa_code END AS "LSOA code",
                CASE WHEN picked.h % 100 = 0 THEN '' ELSE lsoas.area_code || ' ' || lsoas.position
                    END AS "LSOA name",
                types.crime_type AS "Crime type",
                CASE WHEN types.crime_type = 'Anti-social behaviour' THEN ''
                     ELSE 'Investigation complete; no suspect identified' END
                    AS "Last outcome category",
                '' AS "Context",
                month_list.file_month AS file_month,
                'force-' || picked.force_number AS force
            FROM picked
            JOIN month_list USING (month_number)
            JOIN lsoas USING (force_number, position)
            JOIN buckets USING (bucket)
            JOIN types USING (crime_type)
        ) TO '{out}' (FORMAT csv, HEADER, PARTITION_BY (file_month, force))
        """
    )
    police = raw / contract.POLICE_DIR
    shutil.rmtree(police, ignore_errors=True)
    for part in sorted(out.glob("file_month=*/force=*/*.csv")):
        month = part.parent.parent.name.split("=", 1)[1]
        force = part.parent.name.split("=", 1)[1]
        target = police / month / f"{month}-{force}-street.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        part.rename(target)
        (target.parent / f"{month}-{force}-outcomes.csv").write_text("Crime ID,Month\n")
    shutil.rmtree(out)
    con.execute(
        f"COPY (SELECT lsoa_code, area_code FROM lsoas ORDER BY 1) TO "
        f"'{raw / contract.LSOA_LOOKUP.filename}' (FORMAT csv, HEADER)"
    )
    size = sum(p.stat().st_size for p in police.rglob("*-street.csv"))
    print(
        f"{total:,} rows in {len(list(police.rglob('*-street.csv'))):,} street files "
        f"({size / 1e9:.1f} GB) in {time.monotonic() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("--rows", type=int, default=7_500_000, help="rows a year in all")
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    args.raw.mkdir(parents=True, exist_ok=True)
    write(args.raw, args.rows, args.months)


if __name__ == "__main__":
    main()
