"""The partnership's own pack, made with every publication and published with it."""

from pathlib import Path

from pipelines import config
from pipelines.extracts.pack import AreaNotPublished, ExtractError, build_pack
from pipelines.extracts.writers import write_html, write_xlsx

PACKS_FOLDER = "packs"


def write_home_area_pack(publication: Path, area_code: str) -> dict[str, object]:
    """The pack of `area_code` for the latest final month, as xlsx and html in
    <publication>/packs/, built from that publication's (disclosure-controlled) marts. A
    regional or national run need not hold the home area: then no pack, and why."""
    try:
        pack = build_pack(publication, area_code)
    except AreaNotPublished as error:
        return {
            "skipped": f"no home-area pack: {error} (set {config.HOME_AREA_ENV} to one of them)"
        }
    except ExtractError as error:  # e.g. no financial year with every measure final yet
        return {"skipped": f"no home-area pack: {error}"}
    folder = publication / PACKS_FOLDER
    folder.mkdir(exist_ok=True)
    files = []
    for writer, suffix in ((write_xlsx, "xlsx"), (write_html, "html")):
        target = folder / f"{pack.area_code}_outcome_pack.{suffix}"
        writer(pack, target)
        files.append(target.name)
    return {
        "area": f"{pack.area_name} ({pack.area_code})",
        "period_end": pack.period_end.isoformat(),
        "files": files,
    }
