"""Real image sets (MNIST-like, 28 × 28 grey images in IDX files): where they are, and two classes of them as points.

Biroli, Bonnaire, de Bortoli & Mézard (2024, arXiv:2402.18491) train on two classes of an image set;
``class_images`` builds such a training set: ``n`` images, an equal share from each chosen class, drawn without
replacement by a seed, each image's pixels scaled to [0, 1] (value / 255) and flattened — 28 × 28 (d = 784) or
zero-padded by two pixels on every side to 32 × 32 (d = 1,024, the paper's MNIST shape).  The same classes of
the set's test files are the held-out sample of the law the training images were drawn from.

A set is looked for in ``DATA_DIR/<key>/`` first (any copy of the original files, gzipped or not), then where a
package installs it; a set that is not found raises ``ImageSetMissing`` saying how to install it.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.datasets import DataError
from core.idx import read_idx

#: The training and test files of every MNIST-like set, by their original names (``.gz`` or not).
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
SPLITS = {"train": (TRAIN_IMAGES, TRAIN_LABELS), "test": (TEST_IMAGES, TEST_LABELS)}
#: Image sides the lab builds: the originals, and the paper's zero-padded MNIST.
SIDES = (28, 32)


class ImageSetMissing(DataError):
    """An image set that is not installed, with how to install it."""


@dataclass(frozen=True)
class ImageSet:
    """An MNIST-like set: its name, its ten class names, where packages install it, how to install it."""

    name: str
    classes: tuple
    folders: tuple
    install: str


IMAGE_SETS = {
    "fashion-mnist": ImageSet(
        "Fashion-MNIST", ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                          "Ankle boot"),
        ("/usr/share/datasets/fashion-mnist",),
        "apt-get install dataset-fashion-mnist (Debian; MIT license), or put its IDX files in DATA_DIR/fashion-mnist"),
    "mnist": ImageSet(
        "MNIST", tuple(str(k) for k in range(10)), (),
        f"put MNIST's {TRAIN_IMAGES}.gz and {TRAIN_LABELS}.gz in DATA_DIR/mnist"),
    "kmnist": ImageSet(
        "Kuzushiji-MNIST", ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"), (),
        f"put KMNIST's {TRAIN_IMAGES}.gz and {TRAIN_LABELS}.gz in DATA_DIR/kmnist"),
}


def image_files(key: str, data_dir=None, split: str = "train") -> tuple[Path, Path]:
    """The images and labels of set ``key`` (``split``: "train" or "test"): under ``data_dir`` (default
    ``$DATA_DIR``)/key, else where its package installs it."""
    spec = IMAGE_SETS[key]
    root = data_dir or os.environ.get("DATA_DIR")
    folders = ([Path(root) / key] if root else []) + [Path(f) for f in spec.folders]
    for folder in folders:
        found = [_one_of(folder, name) for name in SPLITS[split]]
        if all(found):
            return found[0], found[1]
    where = ", ".join(str(f) for f in folders) or "no folder (DATA_DIR is not set)"
    raise ImageSetMissing(f"{spec.name} is not installed (looked in {where}): {spec.install}")


def _one_of(folder: Path, name: str) -> Path | None:
    for path in (folder / f"{name}.gz", folder / name):
        if path.is_file():
            return path
    return None


def installed(key: str) -> str | None:
    """None when set ``key``'s training files are found, else the message saying how to install it."""
    try:
        image_files(key)
    except ImageSetMissing as missing:
        return str(missing)
    return None


def class_images(key: str, classes=(0, 1), n: int = 2000, side: int = 28, seed: int = 0, data_dir=None,
                 split: str = "train"):
    """``n`` images of the chosen classes of set ``key`` (an equal share of each, the first classes taking one
    more where n does not divide; drawn without replacement by ``seed``) as points in [0, 1]^(side²), and their
    labels (k for ``classes[k]``).  ``n=None`` takes every image of those classes."""
    classes = tuple(int(c) for c in classes)
    if len(set(classes)) < 2 or not all(0 <= c <= 9 for c in classes):
        raise DataError(f"two or more different classes from 0 to 9 are needed, got {', '.join(map(str, classes))}")
    if side not in SIDES:
        raise DataError(f"images are {' or '.join(map(str, SIDES))} pixels wide, not {side}")
    files = image_files(key, data_dir, split)
    images, labels = _read(*files, tuple(f.stat().st_mtime_ns for f in files))
    rng = np.random.default_rng(seed)
    picked = []
    for k, c in enumerate(classes):
        pool = np.flatnonzero(labels == c)
        count = pool.size if n is None else n // len(classes) + (k < n % len(classes))
        if count > pool.size:
            raise DataError(f"{IMAGE_SETS[key].name} has {pool.size:,} {split}ing images of class "
                            f"{IMAGE_SETS[key].classes[c]}: n = {n:,} needs {count:,} of each")
        picked.append(rng.choice(pool, size=count, replace=False))
    index = np.concatenate(picked)
    pixels = images[index].astype(np.float32) / 255.0
    if side == 32:
        pixels = np.pad(pixels, ((0, 0), (2, 2), (2, 2)))
    position = {c: k for k, c in enumerate(classes)}
    return pixels.reshape(len(index), -1), np.array([position[c] for c in labels[index]], dtype=np.int8)


@functools.lru_cache(maxsize=2)          # Fashion-MNIST's training images: 47 MB as uint8
def _read(images_path: Path, labels_path: Path, _modified: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The files' arrays, kept while the files are unchanged (``_modified``: their modification times)."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
        raise DataError(f"{images_path.name}: images {images.shape} and labels {labels.shape} are not "
                        "an MNIST-like set (28 × 28 images, one label each)")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels
