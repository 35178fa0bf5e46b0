"""Writes Keras' own VGG16 (no top, 32 px, seeded random weights) as the canonical Keras 2 style .h5
file that `keras.applications` downloads, and its block5_pool output on a fixed input.

usage: keras_vgg16.py OUT.h5 INPUT.f32 N OUTPUT.f32
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

out_h5, input_file, n, output_file = sys.argv[1:5]
keras.utils.set_random_seed(7)
model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
with h5py.File(out_h5, "w") as f:
    legacy_h5_format.save_weights_to_hdf5_group(f, model)
x = np.fromfile(input_file, dtype="<f4").reshape(int(n), 32, 32, 3)
np.asarray(model.predict(x, verbose=0), dtype="<f4").tofile(output_file)
