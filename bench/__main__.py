"""Run every benchmark, print a table with ✓/✗ per target, write bench/results/latest.json.

    python -m bench            # full run (a few minutes on 2 cores)
    python -m bench --quick    # fewer repeats
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from pathlib import Path

from threadpoolctl import threadpool_info

from bench import browser, diagrams, ising, kernel, memorization, pages, particles


def machine() -> dict:
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
            f"{i.get('num_threads')} threads)" for i in threadpool_info() if i.get("user_api") == "blas"]
    return dict(date=dt.date.today().isoformat(), cores=os.cpu_count(), python=platform.python_version(),
                cpu=platform.processor() or platform.machine(), blas=blas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    info = machine()
    print("machine:", info)
    kernel_rows = kernel.run(repeats=3 if args.quick else 7)
    print("\nposterior kernel (float64)")
    for r in kernel_rows:
        extra = f", (c) {r['broadcast_s'] * 1e3:.0f} ms" if "broadcast_s" in r else ""
        print(f"  (P, N, d) = ({r['P']}, {r['N']}, {r['d']}): {r['kernel_s'] * 1e3:.1f} ms "
              f"({r['ns_per_pair']:.2f} ns/pair, {r['ratio_to_limit']:.2f}× the two products, "
              f"{r['ratio_to_exp']:.2f}× an exp pass; "
              f"(b) {r['researcher_s'] * 1e3:.0f} ms{extra}; peak {r['kernel_peak_bytes'] / 2**20:.1f} MiB)")
    page_rows = pages.run() + pages.redraw_run()
    print("\npage callbacks (server side, 30 time values)")
    for r in page_rows:
        size = f", payload {r['payload_bytes'] / 1e3:.0f} kB" if "payload_bytes" in r else " (redraw)"
        print(f"  {r['case']}: p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms{size}")
    diagram_rows = diagrams.run(repeats=1 if args.quick else 3)
    print("\nbifurcation computations (uncached)")
    for r in diagram_rows:
        print(f"  {r['case']}: {r['seconds'] * 1e3:.0f} ms")
    particle_run = particles.server_run(repeats=1 if args.quick else 2)
    fps_rows = particles.browser_fps()
    print(f"\nparticles: {particle_run['case']}: {particle_run['seconds']:.2f} s")
    for r in fps_rows:
        print(f"  animation in headless Chromium (software WebGL), {r['particles']:,} particles: {r['fps']:.1f} fps")
    starts = browser.cold_start()
    print(f"\ncold start to the first page: {starts['warm']:.2f} s (numba cache warm), {starts['cold']:.2f} s (cold)")
    latency_rows = browser.latency()
    print("browser latency, slider move → figure in the DOM (30 moves):")
    for r in latency_rows:
        print(f"  {r['page']}: p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms")
    memo_rows = memorization.run() + ising.run()
    print("\nmemorization and Ising")
    for r in memo_rows:
        print(f"  {r['case']}: {r['seconds']:.2f} s")
    checks = kernel.targets(kernel_rows) + [
        *[(f"{r['case']} ≤ {r['target_s']:g} s", r["seconds"] <= r["target_s"], f"{r['seconds']:.2f} s")
          for r in memo_rows],
        ("cold start ≤ 3 s with the numba cache warm", starts["warm"] <= 3.0, f"{starts['warm']:.2f} s"),
        *[(f"browser p95 ≤ 250 ms: {r['page']}", r["p95"] <= 250, f"{r['p95']:.0f} ms") for r in latency_rows]] + [
        (particle_run["case"] + " ≤ 1 s", particle_run["seconds"] <= 1.0, f"{particle_run['seconds']:.2f} s"),
        *[(f"animation ≥ 30 fps at {r['particles']:,} particles", r["fps"] >= 30, f"{r['fps']:.1f} fps")
          for r in fps_rows if r["target_fps"]]] + [
        (f"page p95 ≤ 100 ms: {r['case']}", r["p95"] <= 100, f"{r['p95']:.0f} ms") for r in page_rows] + [
        (f"{r['case']} ≤ {r['target_s']:g} s", r["seconds"] <= r["target_s"], f"{r['seconds']:.2f} s")
        for r in diagram_rows]
    print("\ntargets")
    for text, met, value in checks:
        print(f"  {'✓' if met else '✗'} {text}: {value}")
    out = Path(__file__).parent / "results" / "latest.json"
    out.write_text(json.dumps(dict(machine=info, kernel=kernel_rows, pages=page_rows, diagrams=diagram_rows,
                                   particles=dict(server=particle_run, browser=fps_rows), cold_start=starts,
                                   browser_latency=latency_rows, memorization=memo_rows,
                                   targets=[dict(target=t, met=m, value=v) for t, m, v in checks]),
                              indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
