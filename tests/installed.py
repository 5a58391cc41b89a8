"""Targets as test parameters: an image set that is not installed on this machine is skipped, saying how to
install it (`.ci/run` installs Fashion-MNIST; MNIST and KMNIST run where DATA_DIR holds them)."""
import pytest

from core.targets import SPECS


def missing(key: str) -> str | None:
    """Why target ``key`` cannot be built here (None: it can)."""
    spec = SPECS[key]
    return spec.missing() if spec.missing else None


def every_target(keys=None) -> list:
    """pytest parameters for ``keys`` (default: every target), each skipped where its data is not installed."""
    return [pytest.param(key, id=key, marks=pytest.mark.skipif(bool(missing(key)), reason=missing(key) or ""))
            for key in sorted(keys or SPECS)]
