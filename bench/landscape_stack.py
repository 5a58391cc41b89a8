"""The landscape's scrub preview: payload per parameter set and its error against the exact F̃.

    python -m bench.landscape_stack

For each target: the stack's bytes as sent (base64 JSON, before gzip), and the largest error of the
preview (8-bit frames, linear in log t between frames) against F̃ computed exactly on the same grid,
at times halfway between frames (the worst place) in log t over 0.01 ≤ t ≤ 10, relative to the
range of F̃ at that time.
"""
from __future__ import annotations

import json

import numpy as np

from components.state import default_state, process_of, target_of
from core.landscape import landscape
from pages.landscape._model import stack_view, view_grid, view_inputs

CASES = {"circle K=4": default_state("circle"), "two deltas": default_state("two_deltas"),
         "gaussian points n=200 d=10": default_state("gaussian_points").replace(n=200, d=10)}


def preview(stack, t):
    lt = np.log(stack.times)
    k = int(np.clip(np.searchsorted(lt, np.log(t)) - 1, 0, len(lt) - 2))
    w = (np.log(t) - lt[k]) / (lt[k + 1] - lt[k])
    frame = lambda j: stack.low[j] + (stack.high[j] - stack.low[j]) * stack.levels[j] / 255.0  # noqa: E731
    return (1 - w) * frame(k) + w * frame(k + 1)


def main():
    import app as lab
    from pages.landscape.page import send_stack
    out = {}
    with lab.server.test_request_context():
        for name, state in CASES.items():
            out[name] = measure(state, send_stack)
    print(json.dumps(out, indent=1))


def measure(state, send_stack):
    """Payload and preview error of one state's stack."""
    stack = stack_view(view_inputs(state, at_time=False))
    payload = len(json.dumps(send_stack.__wrapped__(state)))
    target, process = target_of(state), process_of(state)
    side = len(stack.axis)
    n = target.data.n if target.is_discrete else 64
    grid = view_grid(target, side**2 * n, (side, side)) if target.d > 1 else view_grid(target, 0, (0, 100))
    mids = np.sqrt(stack.times[:-1] * stack.times[1:])
    errors = []
    for t in mids[(mids > 0.01) & (mids < 10)]:
        exact = landscape(target, float(process.s2(t)), grid.points).free_energy.reshape(preview(stack, t).shape)
        errors.append(float(np.abs(preview(stack, t) - exact).max() / np.ptp(exact)))
    return dict(grid=f"{side}×{side}" if target.d > 1 else f"{side} points", frames=len(stack.times),
                payload_kb=payload / 1e3, max_rel_error=max(errors), median_rel_error=float(np.median(errors)))


if __name__ == "__main__":
    main()
