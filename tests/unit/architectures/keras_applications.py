"""Writes Keras' own ResNet50 and EfficientNetB0 (no top, random weights, no download) as .h5 files
in the Keras 3 layout (keras: model.save_weights -> .weights.h5) and the Keras 2 layout (tf_keras:
model.save -> .h5, weights under model_weights/<layer>/<layer>/<w>:0), with their outputs on a
fixed input.

usage: keras_applications.py OUT_DIR INPUT.f32 N SIZE

OUT_DIR gets <app>-keras3.weights.h5, <app>-keras2.h5 and <app>-<layout>.f32 for app in resnet50,
efficientnetb0 (and mobilenetv2-keras3.*, since Keras 3 names a .weights.h5's layers by class). BatchNormalization's statistics and affine parameters are drawn at random (Keras
initialises them to 0/1). EfficientNetB0's Normalization layer gets ImageNet's mean and variance, as
in Keras' ImageNet file; Keras' ImageNet graph then divides by sqrt(std) once more (a Rescaling it
adds only when weights="imagenet"), so the reference output is the same model with that factor
folded into the variance: (x - m) / sqrt(v) / sqrt(s) = (x - m) / sqrt(v * s).
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tf_keras  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], dtype="f4")
STD = np.array([0.229, 0.224, 0.225], dtype="f4")

out_dir, input_file, n, size = sys.argv[1:5]
n, size = int(n), int(size)
x = np.fromfile(input_file, dtype="<f4").reshape(n, size, size, 3)


def randomise(model, seed):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            c = layer.get_weights()[0].shape
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, c).astype("f4"),
                    rng.normal(0, 0.1, c).astype("f4"),
                    rng.normal(0, 0.1, c).astype("f4"),
                    rng.uniform(0.5, 1.5, c).astype("f4"),
                ]
            )
        elif layer.name == "normalization":
            set_normalization(layer, MEAN, STD**2, layer.get_weights()[2])


def set_normalization(layer, mean, variance, count):
    layer.set_weights([mean, variance, count])
    # Keras 3 reads its variables into constants only when it loads a file or adapts.
    if hasattr(layer, "finalize_state"):
        layer.finalize_state()


def reference_output(model, app):
    # An eager call: predict() would trace the Normalization constants once and keep them.
    if app != "efficientnetb0":
        return np.asarray(model(x, training=False))
    norm = model.get_layer("normalization")
    mean, variance, count = norm.get_weights()
    set_normalization(norm, mean, variance * STD, count)
    y = np.asarray(model(x, training=False))
    set_normalization(norm, mean, variance, count)
    return y


APPS = (("resnet50", "ResNet50"), ("efficientnetb0", "EfficientNetB0"))
# MobileNetV2 in Keras 3's layout too: its .weights.h5 names layers by class, as for the others.
for lib, layout, apps in ((keras, "keras3", APPS + (("mobilenetv2", "MobileNetV2"),)), (tf_keras, "keras2", APPS)):
    for app, build in apps:
        lib.utils.set_random_seed(11)
        model = getattr(lib.applications, build)(weights=None, include_top=False, input_shape=(size, size, 3))
        randomise(model, 11)
        stem = os.path.join(out_dir, f"{app}-{layout}")
        y = reference_output(model, app)
        if layout == "keras3":
            model.save_weights(stem + ".weights.h5")
        else:
            model.save(stem + ".h5")
        np.asarray(y, dtype="<f4").tofile(stem + ".f32")
