"""``SummaryWriter``: PyTorch's TensorBoard logging API, writing event files with the ``tensorboard`` package.

Records are ``Event`` protocol buffers (``tensorboard.compat.proto``) written by tensorboard's own
``EventFileWriter`` (its background thread, queue and TFRecord framing), so ``tensorboard --logdir``
and ``EventAccumulator`` read them as any other run's.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

from tensorboard.compat.proto.event_pb2 import Event, SessionLog, TaggedRunMetadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import _summary
from ._convert import figure_to_chw, to_numpy

__all__ = ["FileWriter", "SummaryWriter"]


class FileWriter:
    """Appends ``Event`` protobufs to one event file in ``log_dir`` (asynchronously, via tensorboard's writer).

    Args:
        log_dir: directory of the event file (created if missing).
        max_queue: pending events before an ``add`` forces a write.
        flush_secs: the longest time, in seconds, before pending events reach the disk.
        filename_suffix: appended to the event file's name
            (``events.out.tfevents.<time>.<host>.<pid>.<n><suffix>``).
    """

    def __init__(self, log_dir: str | os.PathLike, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        """The directory this writer writes into."""
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        """Stamp ``event`` with the wall time (now unless given) and ``step``, then queue it."""
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary: Any, global_step: int | None = None, walltime: float | None = None) -> None:
        """Wrap a ``Summary`` protobuf in an ``Event`` and queue it."""
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile: tuple, walltime: float | None = None) -> None:
        """Write a (GraphDef, RunMetadata) pair: the graph, then its run metadata tagged ``step1``."""
        graph, stats = graph_profile
        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)
        trm = TaggedRunMetadata(tag="step1", run_metadata=stats.SerializeToString())
        self.add_event(Event(tagged_run_metadata=trm), None, walltime)

    def flush(self) -> None:
        """Write every pending event to disk."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.event_writer.close()


def _escape(name: str) -> str:
    """Make an embedding tag usable as one directory name ('%', '/' and '\\' percent-escaped)."""
    return name.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


class SummaryWriter:
    """Write TensorBoard event files: scalars, histograms, images, text, hparams, PR curves, embeddings, graphs.

    Args:
        log_dir: where the event files go. Default ``runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname><comment>``,
            a new directory for every run, as PyTorch's.
        comment: appended to the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: when a run restarts at step T after a crash, events it logged at steps ≥ T are
            hidden in TensorBoard (a ``SessionLog.START`` event at step T is written first).
        max_queue: pending records before an ``add_*`` call forces a write (default 10).
        flush_secs: pending records reach the disk at least this often (default 120 s).
        filename_suffix: appended to every event file's name in ``log_dir``.

    Usable as a context manager (``close()`` on exit). Pillow is needed for images, matplotlib
    for ``add_figure``.
    """

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._get_file_writer()
        self.default_bins = _summary.default_bins()

    def _get_file_writer(self) -> FileWriter:
        """The writer of ``log_dir``'s event file; a closed writer is reopened on a new file."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        """The directory the event files are written to."""
        return self.log_dir

    # ------------------------------------------------------------------ scalars
    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number (a float, a 1-element tensor or array) under ``tag`` at ``global_step``.

        ``new_style`` stores it as a tensor (float32, or float64 with ``double_precision``) instead of
        the classic ``simple_value`` (always float32).
        """
        summary = _summary.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Log several numbers in one chart: each key goes to its own run ``log_dir/<main_tag>_<key>``."""
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        assert self.all_writers is not None
        for tag, value in tag_scalar_dict.items():
            path = base + "/" + main_tag.replace("/", "_") + "_" + tag
            fw = self.all_writers.get(path)
            if fw is None:
                fw = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[path] = fw
            fw.add_summary(_summary.scalar(main_tag, value), global_step, walltime)

    def add_custom_scalars(self, layout: dict) -> None:
        """Lay out charts of existing scalar tags: ``{category: {title: ["Multiline", [tags]]}}`` (or "Margin")."""
        self._get_file_writer().add_summary(_summary.custom_scalars(layout))

    def add_custom_scalars_multilinechart(self, tags: list, category: str = "default", title: str = "untitled") -> None:
        """A custom-scalars chart with one line per tag."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags: list, category: str = "default", title: str = "untitled") -> None:
        """A custom-scalars chart of a value between a lower and an upper tag (``tags`` = [value, lower, upper])."""
        if len(tags) != 3:
            raise ValueError(f"a margin chart needs three tags (value, lower, upper), got {tags!r}")
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # ------------------------------------------------------------------ distributions
    def add_histogram(self, tag: str, values: Any, global_step: int | None = None, bins: Any = "tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """Log a histogram of ``values``.

        ``bins="tensorflow"`` (the default) uses TensorFlow's exponential edges ±1e-12·1.1^k;
        any other value is passed to ``numpy.histogram`` (``"auto"``, ``"fd"``, an int, edges).
        ``max_bins`` merges neighbouring buckets until at most that many remain.
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        summary = _summary.histogram(tag, values, bins, max_bins=max_bins)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_histogram_raw(self, tag: str, min: float, max: float, num: int, sum: float, sum_squares: float,
                          bucket_limits: Any, bucket_counts: Any, global_step: int | None = None,
                          walltime: float | None = None) -> None:
        """Log a histogram given by its statistics and buckets (``bucket_limits`` are upper edges)."""
        summary = _summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_pr_curve(self, tag: str, labels: Any, predictions: Any, global_step: int | None = None,
                     num_thresholds: int = 127, weights: Any = None, walltime: float | None = None) -> None:
        """Log a precision-recall curve of binary ``labels`` against ``predictions`` in [0, 1]."""
        summary = _summary.pr_curve(tag, labels, predictions, num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_pr_curve_raw(self, tag: str, true_positive_counts: Any, false_positive_counts: Any,
                         true_negative_counts: Any, false_negative_counts: Any, precision: Any, recall: Any,
                         global_step: int | None = None, num_thresholds: int = 127, weights: Any = None,
                         walltime: float | None = None) -> None:
        """Log a precision-recall curve from precomputed counts, precision and recall per threshold."""
        summary = _summary.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                                        false_negative_counts, precision, recall, num_thresholds)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # ------------------------------------------------------------------ images and text
    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """Log one image: (3, H, W) by default; ``dataformats`` names other layouts ("HWC", "HW", "CHW", ...).

        Float values are taken in [0, 1], uint8 in [0, 255]; a single channel is shown as grey.
        """
        summary = _summary.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images (N, 3, H, W) by default, tiled 8 to a row into one image."""
        summary = _summary.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """Render a matplotlib figure (or a list of them, tiled) and log it as an image; closes it by default."""
        import numpy as np

        if isinstance(figure, list):
            batch = np.stack([figure_to_chw(f, close) for f in figure])
            self.add_image(tag, batch, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, figure_to_chw(figure, close), global_step, walltime, dataformats="CHW")

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a string (rendered as Markdown by TensorBoard's text plugin)."""
        self._get_file_writer().add_summary(_summary.text(tag, text_string), global_step, walltime)

    # ------------------------------------------------------------------ experiments
    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """Log one run's hyperparameters and final metrics for TensorBoard's HParams view.

        They are written to a sub-run ``log_dir/<run_name>`` (default: the current time), with each
        metric also logged there as a scalar. Values may be int, float, str, bool or a tensor.
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict must be dicts")
        exp, ssi, sei = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as sub:
            assert sub.file_writer is not None
            for summary in (exp, ssi, sei):
                sub.file_writer.add_summary(summary, global_step)
            for k, v in metric_dict.items():
                sub.add_scalar(k, v, global_step)

    def add_embedding(self, mat: Any, metadata: list | None = None, label_img: Any = None,
                      global_step: int | None = None, tag: str = "default",
                      metadata_header: list | None = None) -> None:
        """Save points for TensorBoard's projector: ``mat`` (N, D), optional labels and (N, C, H, W) thumbnails.

        Files go to ``log_dir/<step:05d>/<tag>/`` (``tensors.tsv``, ``metadata.tsv``, ``sprite.png``)
        and ``log_dir/projector_config.pbtxt`` lists every embedding logged by this writer.
        """
        from ._embedding import embedding_info, write_matrix, write_metadata, write_sprite

        arr = to_numpy(mat)
        if arr.ndim != 2:
            raise ValueError(f"add_embedding needs a 2-D matrix (points, features), got shape {arr.shape}")
        step = 0 if global_step is None else global_step
        subdir = f"{str(step).zfill(5)}/{_escape(tag)}"
        logdir = self._get_file_writer().get_logdir()
        save_path = os.path.join(logdir, subdir)
        if os.path.exists(save_path) and not os.path.isdir(save_path):
            raise NotADirectoryError(f"{save_path} exists and is not a directory")
        os.makedirs(save_path, exist_ok=True)
        if metadata is not None:
            if len(metadata) != arr.shape[0]:
                raise ValueError(f"metadata has {len(metadata)} labels but mat has {arr.shape[0]} points")
            write_metadata(metadata, save_path, metadata_header)
        if label_img is not None:
            imgs = to_numpy(label_img)
            if imgs.ndim != 4 or imgs.shape[0] != arr.shape[0]:
                raise ValueError(f"label_img must be (N, C, H, W) with N = {arr.shape[0]} points, "
                                 f"got shape {imgs.shape}")
            write_sprite(imgs, save_path)
        write_matrix(arr, save_path)
        if not hasattr(self, "_projector_config"):
            from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

            self._projector_config = ProjectorConfig()
        info = embedding_info(metadata, None if label_img is None else to_numpy(label_img).shape, subdir, step, tag)
        self._projector_config.embeddings.extend([info])
        from google.protobuf import text_format

        with open(os.path.join(logdir, "projector_config.pbtxt"), "wb") as f:
            f.write(text_format.MessageToString(self._projector_config).encode("utf-8"))

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Log the graph of one forward of ``model`` on ``input_to_model`` (a tensor or a tuple of them).

        mytorch records the forward's autograd graph (no tracer): op nodes grouped by module,
        parameters and inputs as sources, each node with its output shape. ``use_strict_trace`` is
        accepted for PyTorch's signature and has no effect (nothing is traced).
        """
        from ._graph import build_graph

        self._get_file_writer().add_graph(build_graph(model, input_to_model, verbose))

    # ------------------------------------------------------------------ lifetime
    def flush(self) -> None:
        """Write every pending record of every run this writer opened to disk."""
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` call opens a new file in ``log_dir``."""
        if self.all_writers is None:
            return
        for w in self.all_writers.values():
            w.flush()
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()
