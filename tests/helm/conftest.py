"""The chart loaded once per session: the Helm SDK's import and load cost ~0.2 s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.chart import CHART, ChartRenderer


@pytest.fixture(scope="session")
def renderer() -> Iterator[ChartRenderer]:
    from helm_python.chart import Chart

    with Chart.load(str(CHART)) as chart:
        yield ChartRenderer(chart)
