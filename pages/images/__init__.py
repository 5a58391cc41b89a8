"""The real-images view: Biroli et al. 2024's Table 1 and Figs. 4–5 on MNIST-like image sets, and pictures of the
reverse process snapping onto training images."""
