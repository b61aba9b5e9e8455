#!/usr/bin/python3
"""The shipped network as data: at least 100 places, every row sourced,
every link's length consistent with the coordinates of its ends (no shorter
than the great circle, no more than twice it), and the counts that
scenarios/network/README.md states equal to the files'.

usage: test_network_data.py SOURCE_ROOT
"""
import csv
import math
import os
import re
import sys

from checks import Checks

checks = Checks()
check = checks.check


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def great_circle(a, b):
    (la1, lo1), (la2, lo2) = a, b
    f1, f2 = math.radians(la1), math.radians(la2)
    h = (math.sin((f2 - f1) / 2) ** 2
         + math.cos(f1) * math.cos(f2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2)
    return 2 * 6371 * math.asin(math.sqrt(h))


def main():
    folder = os.path.join(sys.argv[1], "scenarios", "network")
    places = rows(os.path.join(folder, "places.csv"))
    links = rows(os.path.join(folder, "links.csv"))
    check(len(places) >= 100, f"{len(places)} places (at least 100)")
    where = {p["id"]: (float(p["lat"]), float(p["lon"])) for p in places}
    for p in places:
        source = p["source"]
        check(source.startswith("coords: "), f"place {p['id']}: the source starts with its coordinates' source")
        if int(p["population"]) > 0:
            check("population" in source, f"place {p['id']}: population {p['population']} has a source")
        if p["security"] not in ("", "1"):
            check("security" in source, f"place {p['id']}: security {p['security']} has a source")
    for link in links:
        name = f"link {link['from']}→{link['to']}"
        source = link["source"]
        check(source.startswith("distance: "), f"{name}: the source starts with its distance's source")
        if link["fare_usd"] not in ("", "0"):
            check("fare" in source, f"{name}: fare has a source")
        km = float(link["distance_km"])
        ends = great_circle(where[link["from"]], where[link["to"]])
        if link["mode"] == "sea":
            check(0.95 * ends <= km <= 1.5 * ends + 5, f"{name}: {km:.0f} km by sea for {ends:.0f} km great-circle")
        else:
            check(0.95 * ends - 2 <= km <= 2 * ends + 10,
                  f"{name}: {km:.0f} km for {ends:.0f} km great-circle (expected 1 to 2 times)")
        if "great-circle" in source:
            stated = re.search(r"great-circle (\d+) km from approximate coordinates", source)
            if stated:
                check(abs(int(stated.group(1)) - ends) <= max(3, 0.03 * ends),
                      f"{name}: the source's great-circle {stated.group(1)} km is the coordinates' {ends:.0f} km")
    directed = sum(2 if link["both_ways"] == "yes" else 1 for link in links)
    countries = {p["country"] for p in places}
    readme = open(os.path.join(folder, "README.md"), encoding="utf-8").read()
    claim = f"`places.csv` ({len(places)} places in {len(countries)} countries)"
    check(claim in readme.replace("\n", " "), f"README says {claim}")
    claim = f"`links.csv` ({len(links)} rows, {directed} directed links"
    check(claim in readme.replace("\n", " "), f"README says {claim}")


if __name__ == "__main__":
    main()
    sys.exit(checks.finish())
