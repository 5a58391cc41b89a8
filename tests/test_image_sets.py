"""Real image sets as points (core/image_sets.py) on a small MNIST-like set written here: two classes, half each,
scaled to [0, 1], padded to 32 × 32; a set that is not installed says how to install it."""
import numpy as np
import pytest

from core.datasets import DataError
from core.idx import write_idx
from core.image_sets import TRAIN_IMAGES, TRAIN_LABELS, ImageSetMissing, class_images, image_files


@pytest.fixture
def data_dir(tmp_path):
    """A 'fashion-mnist' of 30 images: label k's images are filled with the value 20·k (+ the image's index)."""
    labels = np.arange(30, dtype=np.uint8) % 3
    images = (20 * labels[:, None, None] + np.zeros((30, 28, 28), np.uint8)).astype(np.uint8)
    images[:, 0, 0] = np.arange(30)                       # each image told apart by one pixel
    (tmp_path / "fashion-mnist").mkdir()
    write_idx(tmp_path / "fashion-mnist" / f"{TRAIN_IMAGES}.gz", images)
    write_idx(tmp_path / "fashion-mnist" / TRAIN_LABELS, labels)                  # plain, not gzipped: both read
    return tmp_path


def test_class_images_half_each_scaled_and_distinct(data_dir):
    points, labels = class_images("fashion-mnist", classes=(1, 2), n=10, seed=3, data_dir=data_dir)
    assert points.shape == (10, 784) and points.dtype == np.float32
    assert list(np.bincount(labels)) == [5, 5]
    np.testing.assert_allclose(points[labels == 0, 5], 20 / 255)                 # class 1's value, scaled
    np.testing.assert_allclose(points[labels == 1, 5], 40 / 255)
    assert len({p[0] for p in points}) == 10                                      # drawn without replacement
    again, _ = class_images("fashion-mnist", classes=(1, 2), n=10, seed=3, data_dir=data_dir)
    np.testing.assert_array_equal(points, again)                                   # the seed fixes the draw


def test_the_papers_shape_is_zero_padded_to_32(data_dir):
    small, _ = class_images("fashion-mnist", classes=(1, 2), n=4, side=28, data_dir=data_dir)
    padded, _ = class_images("fashion-mnist", classes=(1, 2), n=4, side=32, data_dir=data_dir)
    assert padded.shape == (4, 1024)
    frame = padded.reshape(4, 32, 32)
    assert not frame[:, :2].any() and not frame[:, -2:].any() and not frame[:, :, :2].any()
    np.testing.assert_array_equal(frame[:, 2:30, 2:30].reshape(4, -1), small)


def test_too_many_images_or_bad_classes_get_a_message(data_dir):
    with pytest.raises(DataError, match="has 10 training images of class Trouser: n = 30 needs 15 of each"):
        class_images("fashion-mnist", classes=(1, 2), n=30, data_dir=data_dir)
    with pytest.raises(DataError, match="two or more different classes"):
        class_images("fashion-mnist", classes=(1, 1), n=4, data_dir=data_dir)
    with pytest.raises(DataError, match="28 or 32 pixels"):
        class_images("fashion-mnist", classes=(0, 1), n=4, side=64, data_dir=data_dir)


def test_a_missing_set_says_how_to_install_it(tmp_path, monkeypatch):
    """Not under DATA_DIR and not where its package puts it (here: a folder that does not exist)."""
    import dataclasses

    from core import image_sets
    monkeypatch.delenv("DATA_DIR", raising=False)
    with pytest.raises(ImageSetMissing, match="MNIST is not installed .*put MNIST's train-images"):
        image_files("mnist")
    nowhere = dataclasses.replace(image_sets.IMAGE_SETS["fashion-mnist"], folders=(str(tmp_path / "not-here"),))
    monkeypatch.setitem(image_sets.IMAGE_SETS, "fashion-mnist", nowhere)
    with pytest.raises(ImageSetMissing, match="apt-get install dataset-fashion-mnist"):
        image_files("fashion-mnist", data_dir=tmp_path)


def test_more_classes_share_n_and_the_test_split_is_read(data_dir):
    """Three classes take n in equal shares (the first one more); labels number the classes as chosen; the test
    files (a second sample of the same law) are read the same way."""
    points, labels = class_images("fashion-mnist", classes=(2, 0, 1), n=8, data_dir=data_dir)
    assert list(np.bincount(labels)) == [3, 3, 2]
    np.testing.assert_allclose(points[labels == 0, 5], 40 / 255)                 # label 0 is class 2
    write_idx(data_dir / "fashion-mnist" / "t10k-images-idx3-ubyte", np.full((6, 28, 28), 7, np.uint8))
    write_idx(data_dir / "fashion-mnist" / "t10k-labels-idx1-ubyte", np.array([0, 1, 0, 1, 2, 2], np.uint8))
    held, labels = class_images("fashion-mnist", classes=(0, 1), n=None, data_dir=data_dir, split="test")
    assert held.shape == (4, 784) and list(labels) == [0, 0, 1, 1]
    np.testing.assert_allclose(held, 7 / 255)
