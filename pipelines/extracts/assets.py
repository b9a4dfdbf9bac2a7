"""The partnership's own pack as a Dagster asset, refreshed with the marts."""

import os
from pathlib import Path

import dagster as dg

from pipelines import config
from pipelines.extracts.pack import AreaNotPublished, build_pack
from pipelines.extracts.writers import write_html, write_xlsx
from pipelines.publish.assets import PUBLISHED_MARTS_KEY, MartsFolder, Partnership

PACKS_FOLDER = "packs"


def write_pack_atomically(pack, folder: Path, writer, suffix: str) -> Path:
    target = folder / f"{pack.area_code}_outcome_pack.{suffix}"
    temporary = folder / f".{target.name}.tmp"
    writer(pack, temporary)
    config.make_shareable(temporary)
    os.replace(temporary, target)  # readers see the old pack or the new one, never half
    return target


@dg.asset(
    key=dg.AssetKey(["published", "home_area_pack"]),
    group_name="publication",
    deps=[PUBLISHED_MARTS_KEY],
    kinds={"excel", "html"},
    description="The outcome pack of the partnership's own area (CDAP_AREA, default Leicester) "
    "for the latest final month, as xlsx and html in <marts>/packs/, built from the published "
    "(disclosure-controlled) marts.",
)
def home_area_pack(
    context: dg.AssetExecutionContext, marts_folder: MartsFolder, partnership: Partnership
) -> dg.MaterializeResult:
    marts_dir = Path(marts_folder.path)
    try:
        pack = build_pack(marts_dir, partnership.home_area)
    except AreaNotPublished as error:
        # a regional or national run need not hold the home area: the marts stand without it
        message = f"no home-area pack: {error} (set {config.HOME_AREA_ENV} to one of them)"
        context.log.warning(message)
        return dg.MaterializeResult(metadata={"skipped": message})
    folder = marts_dir / PACKS_FOLDER
    config.open_folder(folder)
    files = [
        write_pack_atomically(pack, folder, write_xlsx, "xlsx"),
        write_pack_atomically(pack, folder, write_html, "html"),
    ]
    return dg.MaterializeResult(
        metadata={
            "area": f"{pack.area_name} ({pack.area_code})",
            "period_end": pack.period_end.isoformat(),
            "files": [str(f) for f in files],
        }
    )


def build_extracts_definitions() -> dg.Definitions:
    return dg.Definitions(assets=[home_area_pack])
