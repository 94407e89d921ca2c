"""mytorch.utils.tensorboard.SummaryWriter against torch.utils.tensorboard.SummaryWriter.

Both writers log the same data into their own directories; tensorboard's EventAccumulator reads
each back, and the records must agree (values, steps, histogram buckets, decoded pixels, plugin
data, projector files). The graph has no torch counterpart (torch traces, mytorch records
autograd nodes), so its structure is checked directly.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import mytorch
from mytorch import nn
from mytorch.utils.tensorboard import SummaryWriter


def _read(path: str) -> EventAccumulator:
    ea = EventAccumulator(str(path), size_guidance={"tensors": 0, "images": 0, "histograms": 0, "scalars": 0})
    ea.Reload()
    return ea


def _both(tmp_path, log):
    """Run ``log(writer, as_tensor)`` with both writers; return (mytorch's dir, torch's dir)."""
    ours, theirs = tmp_path / "mytorch", tmp_path / "torch"
    with SummaryWriter(ours) as w:
        log(w, mytorch.from_numpy)
    with TorchWriter(str(theirs)) as w:
        log(w, torch.from_numpy)
    return ours, theirs


def test_scalars_match_torch(tmp_path):
    def log(w, T):
        for step in range(5):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            w.add_scalar("acc", T(np.array([0.25 * step], dtype=np.float32)), step)
            w.add_scalar("exact", 0.1 + step, step, new_style=True, double_precision=True)
        w.add_scalars("pair", {"train": 1.5, "val": 2.5}, 3)

    ours, theirs = _both(tmp_path, log)
    a, b = _read(ours), _read(theirs)
    for tag in ("loss", "acc"):
        assert [(s.step, s.value) for s in a.Scalars(tag)] == [(s.step, s.value) for s in b.Scalars(tag)]
    ta = [(e.step, e.tensor_proto.double_val[0]) for e in a.Tensors("exact")]
    assert ta == [(e.step, e.tensor_proto.double_val[0]) for e in b.Tensors("exact")]
    assert ta[1] == (1, 1.1)
    runs = [sorted(p.name for p in d.iterdir() if p.is_dir()) for d in (ours, theirs)]
    assert runs[0] == runs[1] == ["pair_train", "pair_val"]
    for sub in ("pair_train", "pair_val"):
        sa, sb = _read(ours / sub).Scalars("pair"), _read(theirs / sub).Scalars("pair")
        assert [(s.step, s.value) for s in sa] == [(s.step, s.value) for s in sb]


def test_histograms_match_torch(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=500).astype(np.float32)

    def log(w, T):
        w.add_histogram("default", T(data), 0)
        w.add_histogram("auto", data * 3 + 1, 1, bins="auto")
        w.add_histogram("ten", T(data), 2, bins=10)
        w.add_histogram("merged", T(data), 3, max_bins=7, bins=50)
        w.add_histogram("positive", np.abs(data) + 1, 4)

    ours, theirs = _both(tmp_path, log)
    a, b = _read(ours), _read(theirs)
    for tag in ("default", "auto", "ten", "merged", "positive"):
        (ha,), (hb,) = a.Histograms(tag), b.Histograms(tag)
        assert ha.step == hb.step
        assert ha.histogram_value == hb.histogram_value, tag


def test_histogram_rejects_bad_values(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="empty"):
            w.add_histogram("e", np.array([]))
        with pytest.raises(ValueError, match="finite"):
            w.add_histogram("n", np.array([1.0, np.nan]))


def _pixels(image_event) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def test_images_match_torch(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 10, 12), dtype=np.float32)
    hwc = (rng.random((9, 7, 3)) * 255).astype(np.uint8)
    gray = rng.random((6, 5), dtype=np.float32) * 1.4 - 0.2  # out of range: clipped
    batch = rng.random((11, 1, 4, 6), dtype=np.float32)
    rgba = rng.random((5, 5, 4), dtype=np.float32)

    def log(w, T):
        w.add_image("chw", T(chw), 0)
        w.add_image("hwc", T(hwc), 1, dataformats="HWC")
        w.add_image("hw", gray, 2, dataformats="HW")
        w.add_image("one", T(chw[:1]), 3)
        w.add_images("batch", T(batch), 4)
        w.add_images("nhwc", batch.transpose(0, 2, 3, 1), 5, dataformats="NHWC")
        w.add_image("rgba", rgba, 6, dataformats="HWC")

    ours, theirs = _both(tmp_path, log)
    a, b = _read(ours), _read(theirs)
    for tag in ("chw", "hwc", "hw", "one", "batch", "nhwc", "rgba"):
        (ia,), (ib,) = a.Images(tag), b.Images(tag)
        assert (ia.step, ia.width, ia.height) == (ib.step, ib.width, ib.height), tag
        np.testing.assert_array_equal(_pixels(ia), _pixels(ib), err_msg=tag)
    assert _pixels(a.Images("batch")[0]).shape == (8, 48, 3)  # 11 images, 8 to a row


def test_image_errors_name_the_problem(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="dataformats"):
            w.add_image("x", np.zeros((3, 4, 4)), dataformats="HW")
        with pytest.raises(ValueError, match="channels"):
            w.add_images("x", np.zeros((2, 2, 4, 4)))
        with pytest.raises(ValueError, match="one value"):
            w.add_scalar("x", np.zeros(3))


def test_figure_is_logged_as_its_rendered_pixels(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def fig():
        f = plt.figure(figsize=(1.5, 1.0), dpi=40)
        plt.plot([0, 1, 0.5])
        return f

    ours, theirs = _both(tmp_path, lambda w, T: (w.add_figure("f", fig(), 0), w.add_figure("fs", [fig(), fig()], 1)))
    a, b = _read(ours), _read(theirs)
    for tag in ("f", "fs"):
        np.testing.assert_array_equal(_pixels(a.Images(tag)[0]), _pixels(b.Images(tag)[0]))
    assert _pixels(a.Images("f")[0]).shape == (40, 60, 3)
    assert not plt.get_fignums()  # closed after logging


def test_text_and_pr_curve_match_torch(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, size=200)
    preds = rng.random(200)
    weights = rng.random(200)

    def log(w, T):
        w.add_text("note", "lr **0.1**, ünïcode", 0)
        w.add_pr_curve("pr", T(labels), T(preds), 1)
        w.add_pr_curve("pr_small", labels, preds, 2, num_thresholds=9, weights=weights)

    ours, theirs = _both(tmp_path, log)
    a, b = _read(ours), _read(theirs)
    for tag in ("note/text_summary", "pr", "pr_small"):
        (ta,), (tb,) = a.Tensors(tag), b.Tensors(tag)
        assert ta.step == tb.step and ta.tensor_proto == tb.tensor_proto, tag
        assert a.SummaryMetadata(tag) == b.SummaryMetadata(tag), tag
    table = np.array(a.Tensors("pr")[0].tensor_proto.float_val).reshape(6, 127)
    assert table[0, 0] == labels.sum() and table[1, 0] == (1 - labels).sum()  # TP, FP at threshold 0


def _plugin_records(path):
    """{tag: (plugin, content)} of every summary value with plugin data, read straight from the event files."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    records = {}
    for name in os.listdir(path):
        if name.startswith("events."):
            for event in EventFileLoader(os.path.join(path, name)).Load():
                for v in event.summary.value:
                    if v.metadata.plugin_data.plugin_name:
                        records[v.tag] = (v.metadata.plugin_data.plugin_name, v.metadata.plugin_data.content)
    return records


def test_hparams_match_torch(tmp_path):
    def log(w, T):
        w.add_hparams({"lr": 0.01, "optimizer": "adam", "nesterov": True, "skip": None, "wd": T(np.array([0.5]))},
                      {"hparam/accuracy": 0.9, "hparam/loss": 0.3}, run_name="trial0",
                      hparam_domain_discrete={"optimizer": ["adam", "sgd"]})

    ours, theirs = _both(tmp_path, log)
    ra, rb = _plugin_records(ours / "trial0"), _plugin_records(theirs / "trial0")
    assert ra == rb and sum(plugin == "hparams" for plugin, _ in ra.values()) == 3
    a, b = _read(ours / "trial0"), _read(theirs / "trial0")
    assert [s.value for s in a.Scalars("hparam/accuracy")] == [s.value for s in b.Scalars("hparam/accuracy")]
    with SummaryWriter(tmp_path / "bad") as w, pytest.raises(ValueError, match="'f'"):
        w.add_hparams({"f": [1, 2]}, {"m": 1.0})


def test_embedding_files_match_torch(tmp_path):
    rng = np.random.default_rng(3)
    mat = rng.normal(size=(10, 4)).astype(np.float32)
    imgs = rng.random((10, 3, 5, 5), dtype=np.float32)
    meta = [f"p{i}" for i in range(10)]

    def log(w, T):
        w.add_embedding(T(mat), metadata=meta, label_img=T(imgs), global_step=3, tag="feat/x")
        w.add_embedding(T(mat[:, :2]), metadata=[[m, i] for i, m in enumerate(meta)], metadata_header=["n", "i"])

    ours, theirs = _both(tmp_path, log)
    for rel in ("00003/feat%2fx/tensors.tsv", "00003/feat%2fx/metadata.tsv", "00003/feat%2fx/sprite.png",
                "00000/default/tensors.tsv", "00000/default/metadata.tsv", "projector_config.pbtxt"):
        assert (ours / rel).read_bytes() == (theirs / rel).read_bytes(), rel


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(5, 5)

    def forward(self, x):
        return x + self.lin(x).tanh()


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), _Block())
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        h = self.body(x.view(-1, 4))
        return self.head(h), h.sum()


def test_graph_is_the_recorded_forward(tmp_path):
    model = _Net()
    x = mytorch.randn(3, 2, 2)
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, x)
    ea = _read(tmp_path)
    assert ea.Tags()["run_metadata"] == ["step1"]
    nodes = {n.name: n for n in ea.Graph().node}
    assert nodes["input/input.0"].op == "IO Node"
    params = {n for n, v in nodes.items() if v.op == "Parameter"}
    assert params == {"_Net/Sequential[body]/Linear[0]/weight", "_Net/Sequential[body]/Linear[0]/bias",
                      "_Net/Sequential[body]/_Block[2]/Linear[lin]/weight",
                      "_Net/Sequential[body]/_Block[2]/Linear[lin]/bias",
                      "_Net/Linear[head]/weight", "_Net/Linear[head]/bias"}
    for name, node in nodes.items():  # every edge points at a node of the graph
        assert all(i in nodes for i in node.input), name
    # The view belongs to the root module, the ReLU to its own module, the residual add to the block.
    scopes = {name.rpartition("/")[0] for name, n in nodes.items() if n.op not in ("Parameter", "IO Node")}
    assert "_Net" in scopes and "_Net/Sequential[body]/ReLU[1]" in scopes
    assert any(n.startswith("_Net/Sequential[body]/_Block[2]/Add") for n in nodes)
    assert any(n.startswith("_Net/Sequential[body]/_Block[2]/Linear[lin]/") and nodes[n].op not in ("Parameter",)
               for n in nodes)
    out0 = nodes["output/output.0"]
    assert out0.input and out0.input[0].startswith("_Net/Linear[head]/")
    assert [d.size for d in out0.attr["_output_shapes"].list.shape[0].dim] == [3, 2]
    assert "output/output.1" in nodes
    assert "forward" not in model.body.__dict__ and "forward" not in model.__dict__  # restored
    assert x.grad_fn is None and not x.requires_grad


def test_default_log_dir_comment_and_purge_step(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.close()
    assert re.fullmatch(r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_.+_lr0\.1", w.log_dir.replace(os.sep, "/"))
    assert os.path.isdir(w.log_dir)
    with SummaryWriter("resumed", purge_step=7, filename_suffix=".x") as w:
        w.add_scalar("a", 1.0, 7)
    (name,) = os.listdir("resumed")
    assert name.startswith("events.out.tfevents.") and name.endswith(".x")
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    events = list(EventFileLoader(os.path.join("resumed", name)).Load())
    assert any(e.HasField("session_log") and e.session_log.status == e.session_log.START and e.step == 7
               for e in events)


def test_flush_writes_and_close_reopens(tmp_path):
    w = SummaryWriter(tmp_path, flush_secs=10_000, max_queue=1000)
    w.add_scalar("x", 1.0, 0)
    w.flush()
    assert [s.value for s in _read(tmp_path).Scalars("x")] == [1.0]
    w.close()
    w.add_scalar("x", 2.0, 1)  # a closed writer opens a new event file
    w.close()
    assert len([p for p in os.listdir(tmp_path) if p.startswith("events.")]) == 2
    assert [s.value for s in _read(tmp_path).Scalars("x")] == [1.0, 2.0]


def test_import_mytorch_stays_light():
    """tensorboard, Pillow and matplotlib load only when a writer, an image file or a figure needs them."""
    code = ("import sys, mytorch; mytorch.io.ImageReadMode.RGB; mytorch.utils.make_grid; "
            "print(any(m in sys.modules for m in ('tensorboard', 'PIL', 'matplotlib')))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
