#!/usr/bin/python3
"""Writes a generated FLEE instance for the benchmark: bench/flee_instance.py DIR
[--locations N] [--agents N] [--days N] [--seed N].

The shape of the instances FabFlee ships (conflict zones feeding towns, towns
leading across a border to camps), scaled up: N locations (a fifth conflict
zones, a sixth camps, the rest towns) on a connected network of routes of
40-400 km, a camp series per camp rising to --agents refugees in all over
--days days (sum_from_camps spawning, hasten 1), and mali2012's move rules
(camp_weight 5, capacity_buffer 0.75, conflict_weight 0.25). Not data: a
workload, the same for every seed given.
"""
import argparse
import datetime
import os
import random


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir")
    p.add_argument("--locations", type=int, default=64)
    p.add_argument("--agents", type=int, default=400000)
    p.add_argument("--days", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    n = a.locations
    n_conflict, n_camp = max(1, n // 5), max(1, n // 6)
    kinds = ["conflict_zone"] * n_conflict + ["town"] * (n - n_conflict - n_camp) + ["camp"] * n_camp
    names = [f"L{i:03d}" for i in range(n)]
    os.makedirs(os.path.join(a.dir, "input_csv"), exist_ok=True)
    os.makedirs(os.path.join(a.dir, "source_data"), exist_ok=True)
    camps = [i for i in range(n) if kinds[i] == "camp"]
    capacity = a.agents * 2 // len(camps)
    with open(os.path.join(a.dir, "input_csv", "locations.csv"), "w") as f:
        f.write("#name,region,country,latitude,longitude,location_type,conflict_date,population\n")
        for i in range(n):
            country = "Beta" if kinds[i] == "camp" else "Alpha"
            population = capacity if kinds[i] == "camp" else rng.randrange(5000, 200000)
            f.write(f"{names[i]},R{i % 7},{country},{10 + rng.random() * 8:.4f},"
                    f"{rng.random() * 10:.4f},{kinds[i]},0,{population}\n")
    # A chain keeps the network connected; extra routes make it a mesh.
    routes = set()
    order = list(range(n))
    rng.shuffle(order)
    for k in range(1, n):
        routes.add(tuple(sorted((order[k - 1], order[k]))))
    while len(routes) < 2 * n:
        i, j = rng.sample(range(n), 2)
        routes.add(tuple(sorted((i, j))))
    with open(os.path.join(a.dir, "input_csv", "routes.csv"), "w") as f:
        f.write("#name1,name2,distance,forced_redirection\n")
        for i, j in sorted(routes):
            f.write(f"{names[i]},{names[j]},{rng.randrange(40, 400)},0\n")
    start = datetime.date(2020, 1, 1)
    with open(os.path.join(a.dir, "input_csv", "sim_period.csv"), "w") as f:
        f.write(f"StartDate,{start.isoformat()}\nLength,{a.days}\n")
    # Each camp's series rises linearly from 0 to its share of --agents.
    shares = [rng.random() + 0.5 for _ in camps]
    total = sum(shares)
    finals = [int(a.agents * s / total) for s in shares]
    finals[0] += a.agents - sum(finals)
    with open(os.path.join(a.dir, "source_data", "data_layout.csv"), "w") as f:
        f.write("total,refugees.csv\n")
        for c, i in enumerate(camps):
            f.write(f"{names[i]},camp-{c}.csv\n")
    for c, final in enumerate(finals):
        with open(os.path.join(a.dir, "source_data", f"camp-{c}.csv"), "w") as f:
            for t in (0, a.days - 1):
                f.write(f"{(start + datetime.timedelta(days=t)).isoformat()},{0 if t == 0 else final}\n")
    with open(os.path.join(a.dir, "source_data", "refugees.csv"), "w") as f:
        f.write("Date,Refugee_numbers\n")
        f.write(f"{start.isoformat()},0\n{(start + datetime.timedelta(days=a.days - 1)).isoformat()},{a.agents}\n")
    with open(os.path.join(a.dir, "simsetting.yml"), "w") as f:
        f.write("spawn_rules:\n  take_from_population: False\n  insert_day0: True\n"
                "move_rules:\n  max_move_speed: 200.0\n  max_walk_speed: 35.0\n  camp_weight: 5.0\n"
                "  awareness_level: 1\n  capacity_buffer: 0.75\n  conflict_weight: 0.25\n"
                "  conflict_movechance: 1.0\n  camp_movechance: 0.001\n  default_movechance: 0.3\n"
                "optimisations:\n  hasten: 1\n")


if __name__ == "__main__":
    main()
