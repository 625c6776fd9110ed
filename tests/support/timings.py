"""Latency figures of the benchmarks, computed one way."""

from __future__ import annotations

import statistics


def stats(samples: list[float]) -> dict[str, float]:
    """Seconds in, milliseconds out: p50, p95 (nearest rank), max, and n."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "n": len(ordered),
    }
