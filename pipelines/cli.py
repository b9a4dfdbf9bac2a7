"""The `cdap` command: refresh the warehouse, write an outcome pack, write the synthetic sample,
print the disclosure rule."""

import argparse
import logging
import os
import shlex
import sys
from pathlib import Path

from pipelines import config
from pipelines.config import Settings


def ui_command(settings: Settings) -> str:
    """The command that opens the UI on these settings' runs: the flags that differ from what
    `cdap ui` would choose on its own."""
    flags = []
    for flag, value, default in (
        ("--raw-dir", settings.raw_dir, config.DEFAULT_RAW_DIR),
        ("--warehouse", settings.warehouse, config.DEFAULT_WAREHOUSE),
        ("--marts-dir", settings.marts_dir, config.DEFAULT_MARTS_DIR),
        ("--dagster-home", settings.dagster_home, config.dagster_home_of(settings.warehouse)),
    ):
        if value != default:
            flags += [flag, shlex.quote(str(value))]
    return " ".join(["./cdap ui", *flags])


def _own_dagster_home(settings: Settings) -> list[str]:
    """Where a refresh apart from production is recorded, and how to see it."""
    return [
        f"This refresh is recorded in its own Dagster home, {settings.dagster_home}, apart from "
        f"the production refresh's ({config.DEFAULT_DAGSTER_HOME}). To see its runs in the UI:",
        f"  {ui_command(settings)}",
    ]


def _refresh(args: argparse.Namespace) -> int:
    settings = Settings.build(
        args.raw_dir, args.warehouse, args.marts_dir, dagster_home=args.dagster_home
    )
    problem = config.path_problem(settings)
    if problem is not None:
        print(f"cdap refresh: {problem}", file=sys.stderr)
        return 2
    config.prepare_process(settings)
    print(f"Refreshing from {settings.raw_dir}")
    print(f"  warehouse: {settings.warehouse}")
    print(f"  marts:     {settings.marts_dir}")
    print(f"  Dagster:   {settings.dagster_home}")
    from pipelines import contract

    for entry in contract.unread_entries(settings.raw_dir):
        print(f"  not read: {entry}")
    sys.stdout.flush()
    from pipelines.checks import suites
    from pipelines.ops import children

    watchdog = children.start_watchdog()  # what this refresh starts ends with it
    suites.start_validation_worker()  # GX loads on the other core while Dagster loads here
    try:
        from pipelines.run import run_refresh

        outcome = run_refresh(settings)
    finally:
        suites.stop_validation_worker()
        children.stop_watchdog(watchdog)
    print()
    if not outcome.success:  # why it stopped comes first
        print(outcome.explanation())
        print()
    print("Data quality:")
    for line in outcome.data_quality:
        print(f"  {line}")
    if outcome.success:
        print()
        print(outcome.explanation())
        for path in outcome.published:
            print(f"  {path}")
    if settings.has_own_dagster_home:
        print()
        for line in _own_dagster_home(settings):
            print(line)
    return 0 if outcome.success else 1


def _ui(args: argparse.Namespace, dagster_args: list[str]) -> int:
    from pipelines.ops.ui import run_ui

    settings = Settings.build(
        args.raw_dir, args.warehouse, args.marts_dir, dagster_home=args.dagster_home
    )
    return run_ui(settings, dagster_args)


def _sample(args: argparse.Namespace) -> int:
    from pipelines import synthetic

    if args.areas is None and args.scale is None:
        counts = synthetic.generate(Path(args.out), seed=args.seed)
    else:
        counts = synthetic.generate_national(
            Path(args.out), areas=args.areas, scale=args.scale or 1.0, seed=args.seed
        )
    for name, rows in counts.items():
        print(f"{Path(args.out) / name}: {rows} rows")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from pipelines.extracts.pack import ExtractError, build_pack
    from pipelines.extracts.writers import WRITERS

    settings = Settings.build(marts_dir=args.marts_dir)
    try:
        pack = build_pack(settings.marts_dir, args.area, args.period)
    except ExtractError as error:
        print(f"cdap extract: {error}", file=sys.stderr)
        return 2
    out = (
        Path(args.out)
        if args.out
        else Path(f"{pack.area_code}_outcome_pack_{pack.period_end:%Y-%m}.{args.format}")
    )
    WRITERS[args.format](pack, out)
    out.chmod(0o644)  # an extract is made to be shared (the project's umask is owner-only)
    print(f"{pack.title}, period to {pack.period_end:%d %B %Y}: {out}")
    return 0


def _disclosure_rule(_args: argparse.Namespace) -> int:
    from pipelines.disclosure import page

    print(page.render(), end="")
    return 0


DAGSTER_HOME_HELP = (
    "Dagster's storage of runs ($DAGSTER_HOME; default: .dagster for the default warehouse, "
    "<warehouse>.dagster beside any other, so runs of a scratch warehouse stay out of the "
    "production UI)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdap", description="Outcomes warehouse for a Combating Drugs and Alcohol Partnership."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser(
        "refresh",
        help="ingest the raw folder, build and test the marts, publish them",
        description="Full refresh: raw folder -> DuckDB warehouse -> dbt -> checks -> published "
        "marts. Each option falls back to its environment variable, then to the default.",
    )
    refresh.add_argument(
        "--raw-dir", help=f"raw CSV folder (${config.RAW_DIR_ENV}, default data/raw)"
    )
    refresh.add_argument(
        "--warehouse",
        help=f"working DuckDB file (${config.WAREHOUSE_ENV}, default data/warehouse.duckdb)",
    )
    refresh.add_argument(
        "--marts-dir", help=f"publication folder (${config.MARTS_DIR_ENV}, default data/marts)"
    )
    refresh.add_argument("--dagster-home", help=DAGSTER_HOME_HELP)
    refresh.set_defaults(handler=_refresh)

    ui = commands.add_parser(
        "ui",
        help="the Dagster UI (dagster dev) on one warehouse's asset graph and runs",
        description="The Dagster UI and daemon (dagster dev -w workspace.yaml) for the settings "
        "given (each option falls back to its environment variable, then to the default), in "
        "the warehouse's Dagster home. Other options go to dagster dev (e.g. -p 3001). Stops "
        "on Ctrl-C, SIGINT or SIGTERM, also when started in the background.",
    )
    ui.add_argument("--raw-dir", help=f"raw CSV folder (${config.RAW_DIR_ENV}, default data/raw)")
    ui.add_argument(
        "--warehouse",
        help=f"working DuckDB file (${config.WAREHOUSE_ENV}, default data/warehouse.duckdb)",
    )
    ui.add_argument(
        "--marts-dir", help=f"publication folder (${config.MARTS_DIR_ENV}, default data/marts)"
    )
    ui.add_argument("--dagster-home", help=DAGSTER_HOME_HELP)
    ui.set_defaults(handler=_ui, passes_on_unknown=True)

    extract = commands.add_parser(
        "extract",
        help="an outcome pack for one area and month, from the published marts",
        description="Write an outcome pack (the strategy scorecard: each objective's figures "
        "with intervals, a year earlier, the tested direction of travel, England and the "
        "neighbours; an overview against every authority; trend charts; substance-group "
        "breakdowns; definitions and the disclosure rule) from the published, "
        "disclosure-controlled marts.",
    )
    extract.add_argument("--area", required=True, help="area code, e.g. E06000016 or LLR")
    extract.add_argument(
        "--period", help="reporting month YYYY-MM (default: the latest month with final values)"
    )
    extract.add_argument("--format", choices=("xlsx", "csv", "html"), default="xlsx")
    extract.add_argument(
        "--out", help="output file (default: <area>_outcome_pack_<month>.<format>)"
    )
    extract.add_argument(
        "--marts-dir", help=f"publication folder (${config.MARTS_DIR_ENV}, default data/marts)"
    )
    extract.set_defaults(handler=_extract)

    sample = commands.add_parser(
        "sample", help="write the seeded synthetic raw folder (the shipped sample)"
    )
    sample.add_argument("--out", default=str(config.DEFAULT_RAW_DIR))
    sample.add_argument("--seed", type=int, default=20250930)
    sample.add_argument(
        "--areas", type=int, help="national mode: the first N of the 152 upper-tier authorities"
    )
    sample.add_argument(
        "--scale", type=float, help="national mode: volumes as a share of England's (1 = all)"
    )
    sample.set_defaults(handler=_sample)

    rule = commands.add_parser(
        "disclosure-rule",
        help="print the disclosure rule in plain words (Markdown), from the rule module",
    )
    rule.set_defaults(handler=_disclosure_rule)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "passes_on_unknown", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    # every file a command writes is owner-only unless it is opened to readers on purpose
    # (the publication, an extract)
    os.umask(config.OWNER_ONLY_UMASK)
    if getattr(args, "passes_on_unknown", False):
        return args.handler(args, unknown)  # `cdap ui`: the rest goes to dagster dev
    return args.handler(args)


def entrypoint() -> None:
    """The `cdap` command. Once the command's work and output are finished, the interpreter's
    finalisation of Dagster, dbt and DuckDB objects takes about 2 s and only prints DuckDB
    2.0's benign "leaked instances" wall (nanobind). Every file, connection and child process
    is closed by then (the refresh stops its validation worker itself): the logs and standard
    streams are flushed, and the process ends without the finalisation. (So an exit handler
    registered with `atexit` does not run: release what needs releasing before this point.)"""
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entrypoint()
