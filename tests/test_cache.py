"""The caches' single flight (components/cache.py): an answer two threads of one worker ask for at once is computed
once, the second waiting for the first; other answers do not wait."""
import threading
import time
import uuid

import pytest

from components import cache
from components.cache import cached, local, shared


def _single_flight_case(kind):
    """A cached function of the given kind whose computation blocks until released, and its call log."""
    started, release, calls = threading.Event(), threading.Event(), []

    def compute(key):
        calls.append(key)
        if key == "slow":
            started.set()
            assert release.wait(60)
        return f"answer for {key}"

    tag = uuid.uuid4().hex                          # fresh keys: nothing stored by an earlier run
    if kind == "cached":
        def ask(key):
            return cached(f"single-flight-{tag}", key, lambda: compute(key))
    elif kind == "shared":
        ask = shared(f"single-flight-{tag}")(compute)
    else:
        ask = local(8)(compute)
    return ask, started, release, calls


@pytest.mark.parametrize("kind", ["cached", "shared", "local"])
def test_two_threads_asking_the_same_answer_compute_it_once(lab, kind):
    ask, started, release, calls = _single_flight_case(kind)
    answers = []

    def in_app(key):
        with lab.server.app_context():
            answers.append(ask(key))
    first = threading.Thread(target=in_app, args=("slow",))
    first.start()
    assert started.wait(60)
    second = threading.Thread(target=in_app, args=("slow",))
    second.start()
    start = time.monotonic()                        # the second thread waits on the first's computation
    while not any(count == 2 for _, count in cache._pending.values()):
        assert time.monotonic() - start < 60, "the second request never waited"
        time.sleep(0.01)
    in_app("other")                                 # another answer is computed while "slow" still is
    assert answers == ["answer for other"]
    release.set()
    first.join(60)
    second.join(60)
    assert answers[1:] == ["answer for slow", "answer for slow"]
    assert calls == ["slow", "other"]


def test_a_local_none_is_an_answer_kept():
    calls = []

    @local(4)
    def nothing_here(key):
        calls.append(key)
        return None
    assert nothing_here(1) is None and nothing_here(1) is None and calls == [1]
