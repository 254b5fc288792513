"""The outlines of the 12 regions for the map pages, made once by scripts/build-region-map."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OUTLINES_FILE = Path(__file__).resolve().parent / "data" / "region_map.json"


@dataclass(frozen=True)
class RegionOutline:
    path: str
    # Where the region's number is drawn: a point inside it.
    label_x: int
    label_y: int


@dataclass(frozen=True)
class MapOutlines:
    width: int
    height: int
    regions: dict[int, RegionOutline]


@cache
def region_outlines() -> MapOutlines:
    raw = json.loads(OUTLINES_FILE.read_text())
    regions = {
        int(number): RegionOutline(path=shape["d"], label_x=shape["x"], label_y=shape["y"])
        for number, shape in raw["regions"].items()
    }
    return MapOutlines(width=raw["width"], height=raw["height"], regions=regions)
