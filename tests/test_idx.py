"""The IDX reader (core/idx.py) on small files written here: every type, gzip, and the files it must refuse."""
import gzip
import struct

import numpy as np
import pytest

from core.idx import MAX_VALUES, TYPES, IdxError, read_idx, write_idx


@pytest.mark.parametrize("dtype", [t.newbyteorder("=") for t in TYPES.values()])
@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_every_type_round_trips_plain_and_gzipped(tmp_path, dtype, name):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(5, 7, 3)) * 50).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == dtype and back.shape == (5, 7, 3)
    np.testing.assert_array_equal(back, array)


def test_the_header_is_big_endian_as_lecun_wrote_it(tmp_path):
    """A file built byte by byte as the MNIST page describes: magic 0x00000803, sizes big-endian, then pixels."""
    pixels = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "t10k").write_bytes(struct.pack(">I", 0x0803) + struct.pack(">3I", 2, 3, 4) + pixels.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "t10k"), pixels)
    labels = np.array([7, 2, 1], dtype=np.uint8)
    with gzip.open(tmp_path / "labels.gz", "wb") as f:
        f.write(struct.pack(">I", 0x0801) + struct.pack(">I", 3) + labels.tobytes())
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), labels)


@pytest.mark.parametrize("content,words", [
    (b"", "not an IDX file"),
    (b"PK\x03\x04rest", "not an IDX file"),                               # a zip, say
    (bytes([0, 0, 0x08, 0]), "0 dimensions"),
    (bytes([0, 0, 0x08, 2]) + struct.pack(">I", 3), "header ends"),
    (bytes([0, 0, 0x08, 1]) + struct.pack(">I", 10) + b"\x01\x02", "holds 2 of the 10 values"),
    (bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 70000, 1000, 1000), f"over the lab's {MAX_VALUES:,}"),
])
def test_a_broken_or_hostile_file_gets_a_message(tmp_path, content, words):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(IdxError, match=words):
        read_idx(tmp_path / "bad")


def test_a_missing_file_or_false_gzip_gets_a_message(tmp_path):
    with pytest.raises(IdxError, match="cannot be read"):
        read_idx(tmp_path / "absent-idx3-ubyte.gz")
    (tmp_path / "plain.gz").write_bytes(b"not gzip at all")
    with pytest.raises(IdxError, match="cannot be read"):
        read_idx(tmp_path / "plain.gz")
