#!/usr/bin/env python3
"""The assignment done the Keras way, on the same machine and data as `npm run bench:seed`.

1. The Seed CNN (Conv32-Pool-Conv64-Pool-Flatten-Dense512-Dense10), Adam 1e-3, batch 64, trained
   from scratch with `model.fit` on the training split, validated on the validation split each epoch.
2. MobileNetV2 transfer as the workbench preset does it: the ImageNet base of ../shared/models (read
   by tfjs_layers.py: the same weights), frozen, at 96 px (bilinear resize inside the model), with a
   GAP-Dense(256, relu)-Dropout(0.5)-Dense(10) head trained with Adam 1e-3; then its last 7 layers
   with weights unfrozen and fine-tuned with Adam 1e-4. Keras has no feature cache: every epoch
   runs the frozen base again, as a Keras user's `model.fit` does.

The splits are the workbench's own (written by bench/seed.bench.ts as int32 index files), read from
its dataset cache (uint8 NHWC), so both frameworks train and test on the same images. Prints one JSON
object on stdout with wall times and test accuracies; progress goes to stderr.
"""
import argparse
import json
import os
import sys
import time

from common import quiet_tensorflow

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def log(text):
    print(f"[keras {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def load_split(np, dataset_dir, split, indices_file):
    with open(os.path.join(dataset_dir, "manifest.json")) as f:
        manifest = json.load(f)
    size = manifest["info"]["imageSize"]
    files = manifest["files"][split]
    images = np.fromfile(os.path.join(dataset_dir, files["images"]), np.uint8)
    images = images.reshape(-1, size["height"], size["width"], size["channels"])
    labels = np.fromfile(os.path.join(dataset_dir, files["labels"]), np.uint8)
    indices = np.fromfile(indices_file, "<i4")
    return images[indices], labels[indices].astype("int64")


class EpochLog:
    """A Keras callback printing each epoch like the workbench bench does (to stderr)."""

    def __init__(self, keras, name):
        parent = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                parent.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                logs = logs or {}
                log(f"{name} epoch {epoch + 1}: loss {logs.get('loss', 0):.4f} acc {logs.get('accuracy', 0) * 100:.1f}% "
                    f"val_acc {logs.get('val_accuracy', 0) * 100:.1f}% {time.perf_counter() - parent.t0:.0f} s")

        self.callback = Callback()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset-dir", required=True, help="the workbench dataset cache folder (manifest.json)")
    parser.add_argument("--splits", required=True, help="folder with train/validation/test .i32 index files")
    parser.add_argument("--mobilenet", required=True, help="tfjs LayersModel folder of MobileNetV2")
    parser.add_argument("--scratch-epochs", type=int, default=10)
    parser.add_argument("--frozen-epochs", type=int, default=5)
    parser.add_argument("--finetune-epochs", type=int, default=1)
    parser.add_argument("--finetune-layers", type=int, default=7)
    parser.add_argument("--input-size", type=int, default=96)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=["scratch", "transfer"], default=None)
    args = parser.parse_args()
    tf = quiet_tensorflow(args.threads)
    import keras
    import numpy as np

    from tfjs_layers import load_tfjs_layers_model

    keras.utils.set_random_seed(42)
    t_load = time.perf_counter()
    split = {name: load_split(np, args.dataset_dir, "test" if name == "test" else "train",
                              os.path.join(args.splits, f"{name}.i32"))
             for name in ("train", "validation", "test")}
    load_s = time.perf_counter() - t_load
    sizes = {name: int(x.shape[0]) for name, (x, _) in split.items()}
    log(f"splits {sizes} read in {load_s:.1f} s")
    out = {"keras": keras.__version__, "tensorflow": tf.__version__, "threads": args.threads, "sizes": sizes,
           "loadSeconds": load_s}
    L = keras.layers

    def unit(x):
        return x.astype("float32") / 255.0

    if args.only in (None, "scratch"):
        t0 = time.perf_counter()
        (xt, yt), (xv, yv), (xs, ys) = split["train"], split["validation"], split["test"]
        xt, xv, xs = unit(xt), unit(xv), unit(xs)
        model = keras.Sequential([
            keras.Input((32, 32, 3)),
            L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
            L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
            L.Flatten(), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        t_fit = time.perf_counter()
        model.fit(xt, yt, batch_size=64, epochs=args.scratch_epochs, validation_data=(xv, yv), shuffle=True,
                  verbose=0, callbacks=[EpochLog(keras, "scratch").callback])
        fit_s = time.perf_counter() - t_fit
        t_eval = time.perf_counter()
        _, acc = model.evaluate(xs, ys, batch_size=256, verbose=0)
        eval_s = time.perf_counter() - t_eval
        out["scratch"] = {"fitSeconds": fit_s, "evaluateSeconds": eval_s, "wallSeconds": time.perf_counter() - t0,
                          "testAccuracy": float(acc), "epochs": args.scratch_epochs,
                          "imagesPerSecond": sizes["train"] * args.scratch_epochs / fit_s}
        log(f"scratch: test {acc * 100:.1f}% in {out['scratch']['wallSeconds']:.0f} s")

    if args.only in (None, "transfer"):
        t0 = time.perf_counter()
        mean = np.array(IMAGENET_MEAN, "float32")
        std = np.array(IMAGENET_STD, "float32")

        def imagenet(x):
            return (x.astype("float32") / 255.0 - mean) / std

        (xt, yt), (xv, yv), (xs, ys) = split["train"], split["validation"], split["test"]
        xt, xv, xs = imagenet(xt), imagenet(xv), imagenet(xs)
        base = load_tfjs_layers_model(args.mobilenet, args.input_size)
        base.trainable = False
        inp = keras.Input((32, 32, 3))
        h = L.Resizing(args.input_size, args.input_size, interpolation="bilinear")(inp)
        h = base(h, training=False)
        h = L.GlobalAveragePooling2D(name="head_pool")(h)
        h = L.Dense(256, activation="relu", name="head_dense")(h)
        h = L.Dropout(0.5, name="head_dropout")(h)
        model = keras.Model(inp, L.Dense(10, activation="softmax", name="predictions")(h))
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        t_frozen = time.perf_counter()
        hist = model.fit(xt, yt, batch_size=64, epochs=args.frozen_epochs, validation_data=(xv, yv), shuffle=True,
                         verbose=0, callbacks=[EpochLog(keras, "frozen").callback])
        frozen_s = time.perf_counter() - t_frozen
        frozen_val = float(hist.history["val_accuracy"][-1])
        # Unfreeze the last N layers that have weights (the workbench's trainableLayers rule).
        base.trainable = True
        with_weights = [layer for layer in base.layers if layer.weights]
        first = base.layers.index(with_weights[-args.finetune_layers])
        for i, layer in enumerate(base.layers):
            layer.trainable = i >= first
        model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        t_ft = time.perf_counter()
        model.fit(xt, yt, batch_size=64, epochs=args.finetune_epochs, validation_data=(xv, yv), shuffle=True,
                  verbose=0, callbacks=[EpochLog(keras, "fine-tune").callback])
        ft_s = time.perf_counter() - t_ft
        t_eval = time.perf_counter()
        _, acc = model.evaluate(xs, ys, batch_size=256, verbose=0)
        eval_s = time.perf_counter() - t_eval
        out["transfer"] = {"frozenSeconds": frozen_s, "finetuneSeconds": ft_s, "evaluateSeconds": eval_s,
                           "wallSeconds": time.perf_counter() - t0, "testAccuracy": float(acc),
                           "frozenValAccuracy": frozen_val, "firstTrainableLayer": base.layers[first].name}
        log(f"transfer: test {acc * 100:.1f}% in {out['transfer']['wallSeconds']:.0f} s")

    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
