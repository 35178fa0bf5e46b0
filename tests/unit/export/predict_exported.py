"""Runs exported models with the real libraries and writes their predictions.

usage: predict_exported.py INPUT.f32 N H W C KIND:MODEL_DIR:OUTPUT.f32 ...
KIND keras: keras.saving.load_model(model.keras); keras-weights: the architecture from the .keras
config, the weights from model.weights.h5 alone; onnx: onnxruntime on model.onnx (after the ONNX
checker). Prints one JSON line: the Keras layer names per keras job. Keras runs on KERAS_BACKEND
(jax unless set).
"""
import json
import os
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np  # noqa: E402

input_file, n, h, w, c = sys.argv[1:6]
x = np.fromfile(input_file, dtype="<f4").reshape(int(n), int(h), int(w), int(c))
layers = {}

for job in sys.argv[6:]:
    kind, model_dir, output_file = job.split(":", 2)
    if kind == "onnx":
        import onnx
        import onnxruntime as ort

        path = os.path.join(model_dir, "model.onnx")
        onnx.checker.check_model(onnx.load(path), full_check=True)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        (y,) = session.run(None, {"input": x})
    else:
        import keras

        path = os.path.join(model_dir, "model.keras")
        if kind == "keras":
            model = keras.saving.load_model(path, compile=False)
        else:
            with zipfile.ZipFile(path) as archive:
                config = archive.read("config.json").decode()
            model = keras.models.model_from_json(config)
            model.load_weights(os.path.join(model_dir, "model.weights.h5"))
        layers[kind] = [layer.name for layer in model.layers]
        y = np.asarray(model.predict(x, verbose=0))
    np.asarray(y, dtype="<f4").tofile(output_file)

print(json.dumps(layers))
