"""GCT 1.2/1.3 text and GCTX (HDF5) matrices, read by selection.

The official LINCS level-5 files hold hundreds of thousands of signatures (GSE92742:
473,647 x 12,328 float32, ~21 GB), so nothing here reads a whole matrix unless asked:
the caller names the samples (columns) and genes (rows) it wants and only those are
read, in file order: chunk-aligned slabs of the HDF5 dataset, or one streamed pass
over GCT text.  Values are float32 (as published); memory is bounded by the selection.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from kgexpr.errors import InputError

__all__ = ["GctData", "read_gct", "read_gctx", "read_expression", "read_column_meta", "read_row_meta",
           "is_hdf5", "matrix_shape", "write_gct", "write_gctx"]

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_DATA_NA = frozenset({"", "na", "nan", "null", "none"})
#: bytes of one GCTX slab when the dataset is stored contiguously (no chunks)
_CONTIGUOUS_SLAB_BYTES = 64 << 20
MATRIX = "0/DATA/0/matrix"
ROW_IDS = "0/META/ROW/id"
COL_IDS = "0/META/COL/id"

Advance = Callable[[int], None]


@dataclass(frozen=True)
class GctData:
    """A GCT/GCTX matrix: ``data`` genes x samples (float32), metadata frames as stored."""

    data: pd.DataFrame
    row_meta: pd.DataFrame
    col_meta: pd.DataFrame
    source: str = ""


def is_hdf5(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8).startswith(_HDF5_MAGIC)
    except OSError:
        return False


def _positions(wanted: Sequence[str] | None, ids: pd.Index, path: Path, what: str) -> np.ndarray | None:
    """Positions of ``wanted`` ids in ``ids`` (order kept); InputError naming the first unknown id."""
    if wanted is None:
        return None
    wanted = [str(w) for w in wanted]
    pos = ids.get_indexer(wanted)
    if (pos < 0).any():
        k = int(np.argmax(pos < 0))
        missing = int((pos < 0).sum())
        raise InputError(path, f"{missing} selected {what} not in the file, e.g. {wanted[k]!r}", field=f"{what} id")
    if len(set(pos.tolist())) != len(pos):
        raise InputError(path, f"a {what} id is selected twice", field=f"{what} id")
    return pos


# --------------------------------------------------------------------------- GCT text
def _mangle(names: list[str], reserved: Iterable[str] = ("id",)) -> list[str]:
    """Make names unique pandas-style ("id" → "id.1"), since real files repeat the id field."""
    seen: dict[str, int] = {r: 0 for r in reserved}
    out = []
    for n in names:
        if n in seen:
            k = seen[n] + 1
            while f"{n}.{k}" in seen:
                k += 1
            seen[n] = k
            n = f"{n}.{k}"
        seen[n] = 0
        out.append(n)
    return out


def _lines(path: Path) -> Iterator[str]:
    """Decoded lines without line ends, streamed (gzip or plain; UTF-8, else latin-1 per line)."""
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, expected a file") from None
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as fh:
            first = True
            for raw in fh:
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = raw.decode("latin-1")
                if first:
                    line = line.lstrip("\ufeff")
                    first = False
                yield line.rstrip("\n").rstrip("\r")
    except (OSError, EOFError) as exc:
        raise InputError(path, f"cannot read file: {exc}") from None


@dataclass
class _GctHeader:
    version: str
    nrow: int
    ncol: int
    nrm: int
    ncm: int
    row_names: list[str]
    samples: list[str]
    col_meta: pd.DataFrame
    first_data: int  # 0-based line index of the first data row


def _gct_header(path: Path, lines: Iterator[str]) -> _GctHeader:
    head: list[str] = []
    for ln in lines:
        head.append(ln)
        if len(head) == 3:
            break
    if not head or not head[0].strip():
        raise InputError(path, "empty file", line=1)
    version = head[0].strip()
    if version not in ("#1.2", "#1.3"):
        raise InputError(path, f"not a GCT file: first line {version[:20]!r}, expected #1.2 or #1.3", line=1)
    if len(head) < 3:
        raise InputError(path, "truncated GCT: no header line", line=len(head) + 1)
    try:
        dims = [int(x) for x in head[1].split()]
    except ValueError:
        raise InputError(path, f"dimensions are not integers: {head[1]!r}", line=2, field="dimensions") from None
    want = 4 if version == "#1.3" else 2
    if len(dims) != want:
        raise InputError(path, f"expected {want} dimensions for GCT {version[1:]}, found {len(dims)}", line=2,
                         field="dimensions")
    nrow, ncol = dims[0], dims[1]
    nrm, ncm = (dims[2], dims[3]) if version == "#1.3" else (1, 0)
    header = head[2].split("\t")
    if len(header) != 1 + nrm + ncol:
        raise InputError(path, f"declares {ncol} samples (and {nrm} row-metadata columns), but the header on line 3 "
                               f"has {len(header) - 1 - nrm} sample columns ({len(header)} in all)", line=2,
                         field="dimensions")
    row_names = _mangle([h.strip() for h in header[1:1 + nrm]])
    samples = [h.strip() for h in header[1 + nrm:]]
    dup = pd.Series(samples).duplicated()
    if dup.any():
        raise InputError(path, f"duplicate id {samples[int(np.argmax(dup))]!r}", line=3, field="sample id")
    col_names, col_values = [], []
    for i in range(ncm):
        ln = next(lines, None)
        if ln is None:
            raise InputError(path, f"expected {nrow} data rows (as line 2 declares), found 0", line=4 + i)
        parts = ln.split("\t")
        if len(parts) != 1 + nrm + ncol:
            raise InputError(path, f"row has {len(parts)} columns, expected {1 + nrm + ncol}", line=4 + i)
        col_names.append(parts[0].strip())
        col_values.append(parts[1 + nrm:])
    col_meta = pd.DataFrame(dict(zip(_mangle(col_names), col_values)), index=pd.Index(samples, name="id"),
                            dtype=object)
    return _GctHeader(version, nrow, ncol, nrm, ncm, row_names, samples, col_meta, 3 + ncm)


def _cells_to_float(cells: list[str], path: Path, line: int, names: Sequence[str]) -> np.ndarray:
    """One row's cells → float32; NA spellings → NaN; InputError at the first non-number."""
    try:
        return np.asarray(cells, dtype=np.float32)
    except ValueError:
        pass
    out = np.empty(len(cells), dtype=np.float32)
    for i, c in enumerate(cells):
        t = c.strip()
        if t.lower() in _DATA_NA:
            out[i] = np.nan
            continue
        try:
            out[i] = float(t)
        except ValueError:
            raise InputError(path, f"not a number: {t!r}", line=line, field=names[i]) from None
    return out


def read_gct(
    path: str | Path,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    *,
    keep_row: Callable[[str, dict], bool] | None = None,
    progress: Advance | None = None,
) -> GctData:
    """GCT 1.2 or 1.3 text in one streamed pass: only the ``samples`` columns and ``genes`` rows are kept.

    ``keep_row(row_id, row_meta)`` filters rows by id and metadata (e.g. the landmark flag) as they stream
    by.  "na"/"NaN"/"" values → NaN; metadata kept as strings.
    """
    path = Path(path)
    lines = _lines(path)
    h = _gct_header(path, lines)
    col_pos = _positions(samples, pd.Index(h.samples), path, "sample")
    take = np.arange(h.ncol) if col_pos is None else col_pos
    kept_samples = [h.samples[i] for i in take]
    wanted_rows = None if genes is None else {str(g) for g in genes}
    width = 1 + h.nrm + h.ncol
    offset = 1 + h.nrm
    ids_seen: dict[str, int] = {}
    ids, meta, vals = [], [], []
    n = 0
    for n, ln in enumerate(lines, start=1):
        line_no = h.first_data + n
        if n > h.nrow:
            if ln.strip():
                raise InputError(path, f"expected {h.nrow} data rows (as line 2 declares), found more", line=line_no)
            continue
        parts = ln.split("\t")
        if len(parts) != width:
            if not ln.strip():
                raise InputError(path, f"expected {h.nrow} data rows (as line 2 declares), found {n - 1}", line=line_no)
            raise InputError(path, f"row has {len(parts)} columns, expected {width}", line=line_no)
        rid = parts[0].strip()
        if rid in ids_seen:
            raise InputError(path, f"duplicate id {rid!r}", line=line_no, field="id")
        ids_seen[rid] = line_no
        if progress is not None:
            progress(1)
        if wanted_rows is not None and rid not in wanted_rows:
            continue
        rmeta = parts[1:offset]
        if keep_row is not None and not keep_row(rid, dict(zip(h.row_names, rmeta))):
            continue
        cells = [parts[offset + i] for i in take]
        vals.append(_cells_to_float(cells, path, line_no, kept_samples))
        ids.append(rid)
        meta.append(rmeta)
    found = min(n, h.nrow)
    if found < h.nrow:
        raise InputError(path, f"expected {h.nrow} data rows (as line 2 declares), found {found}", line=h.first_data + found + 1)
    if wanted_rows is not None:
        missing = sorted(wanted_rows - set(ids_seen))
        if missing:
            raise InputError(path, f"{len(missing)} selected genes not in the file, e.g. {missing[0]!r}",
                             field="gene id")
    matrix = np.vstack(vals) if vals else np.empty((0, len(kept_samples)), dtype=np.float32)
    row_meta = pd.DataFrame(meta, index=pd.Index(ids, name="id"), columns=h.row_names, dtype=object)
    frame = pd.DataFrame(matrix, index=pd.Index(ids, name="id"), columns=pd.Index(kept_samples, name="id"))
    col_meta = h.col_meta.iloc[take]
    return GctData(frame, row_meta, col_meta, str(path))


# --------------------------------------------------------------------------- GCTX
def _decode(values: np.ndarray) -> np.ndarray:
    """HDF5 strings (bytes, maybe latin-1) → str; numbers kept."""
    if values.dtype.kind in "SO":
        out = []
        for v in values:
            if isinstance(v, bytes):
                try:
                    v = v.decode("utf-8")
                except UnicodeDecodeError:
                    v = v.decode("latin-1")
            out.append(str(v).strip())
        return np.asarray(out, dtype=object)
    if values.dtype.kind == "U":
        return np.asarray([str(v).strip() for v in values], dtype=object)
    return values


class _Gctx:
    """An open GCTX file with its ids decoded and checked."""

    def __init__(self, path: Path):
        import h5py

        self.path = path
        if not path.is_file():
            raise InputError(path, "file not found")
        with open(path, "rb") as fh:
            head = fh.read(8)
        if not head:
            raise InputError(path, "empty file", line=1)
        try:
            self.h5 = h5py.File(path, "r")
        except OSError as exc:
            hint = " (it is GCT text: use read_gct / read_expression)" if head.startswith(b"#1.") else ""
            raise InputError(path, f"not a readable HDF5/GCTX file{hint}: {exc}") from None
        try:
            self.rows = pd.Index([str(r) for r in _decode(self.dataset(ROW_IDS)[()])], name="id")
            self.cols = pd.Index([str(c) for c in _decode(self.dataset(COL_IDS)[()])], name="id")
            self.matrix = self.dataset(MATRIX)
        except InputError:
            self.h5.close()
            raise
        except (OSError, KeyError, ValueError, TypeError) as exc:
            self.h5.close()
            raise InputError(path, f"corrupt GCTX: {exc}") from None
        if self.matrix.shape != (len(self.cols), len(self.rows)):
            self.h5.close()
            raise InputError(
                path, f"matrix shape {self.matrix.shape} does not match (n columns, n rows) = "
                      f"({len(self.cols)}, {len(self.rows)})", field=MATRIX)
        for ids, name in ((self.rows, ROW_IDS), (self.cols, COL_IDS)):
            dup = ids.duplicated()
            if dup.any():
                self.h5.close()
                raise InputError(path, f"duplicate id {ids[int(np.argmax(dup))]!r}", field=name)

    def dataset(self, name: str):
        import h5py

        obj = self.h5.get(name)
        if obj is None or not isinstance(obj, h5py.Dataset):
            raise InputError(self.path, f"missing dataset {name}", field=name)
        return obj

    def meta(self, group: str, n: int, take: np.ndarray | None) -> pd.DataFrame:
        """All 1-D datasets of a META group except ``id`` as columns, rows ``take`` only."""
        import h5py

        grp = self.h5.get(group)
        cols: dict[str, np.ndarray] = {}
        if grp is not None:
            for name in sorted(grp.keys()):
                obj = grp[name]
                if name == "id" or not isinstance(obj, h5py.Dataset) or obj.ndim != 1:
                    continue
                if obj.shape[0] != n:
                    raise InputError(self.path, f"has {obj.shape[0]} values, expected {n}", field=f"{group}/{name}")
                values = obj[()]
                cols[name] = _decode(values if take is None else values[take])
        return pd.DataFrame(cols, index=pd.RangeIndex(n if take is None else len(take)))

    def close(self) -> None:
        self.h5.close()


def _runs(chunk_ids: np.ndarray) -> list[tuple[int, int]]:
    """Sorted unique chunk indices → [start, stop) runs of consecutive chunks."""
    out: list[tuple[int, int]] = []
    for c in chunk_ids.tolist():
        if out and out[-1][1] == c:
            out[-1] = (out[-1][0], c + 1)
        else:
            out.append((c, c + 1))
    return out


def read_slabs(matrix, sample_pos: np.ndarray, gene_pos: np.ndarray, progress: Advance | None = None) -> np.ndarray:
    """``matrix[sample_pos][:, gene_pos]`` (float32) reading only the chunks that hold selected cells.

    Slabs are whole chunks (axis 0) times runs of consecutive chunks holding selected genes
    (axis 1), visited in file order, so each touched chunk is read once and untouched ones never.
    """
    n0, n1 = matrix.shape
    chunks = matrix.chunks
    if chunks is None:
        width = max(1, int(gene_pos.max() - gene_pos.min() + 1)) if len(gene_pos) else 1
        rows = max(1, _CONTIGUOUS_SLAB_BYTES // (4 * width))
        chunks = (rows, n1)
    c0, c1 = chunks
    out = np.empty((len(sample_pos), len(gene_pos)), dtype=np.float32)
    if len(sample_pos) == 0 or len(gene_pos) == 0:
        return out
    s_order = np.argsort(sample_pos, kind="stable")
    s_sorted = sample_pos[s_order]
    g_order = np.argsort(gene_pos, kind="stable")
    g_sorted = gene_pos[g_order]
    gene_runs = []
    for a, b in _runs(np.unique(g_sorted // c1)):
        lo, hi = a * c1, min(b * c1, n1)
        sel = (g_sorted >= lo) & (g_sorted < hi)
        gene_runs.append((lo, hi, g_sorted[sel] - lo, g_order[sel]))
    blocks = s_sorted // c0
    starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]])
    ends = np.r_[starts[1:], len(blocks)]
    for a, b in zip(starts, ends):
        blk = int(blocks[a])
        lo, hi = blk * c0, min((blk + 1) * c0, n0)
        local = s_sorted[a:b] - lo
        dest = s_order[a:b]
        for glo, ghi, glocal, gdest in gene_runs:
            slab = np.asarray(matrix[lo:hi, glo:ghi], dtype=np.float32)
            out[np.ix_(dest, gdest)] = slab[np.ix_(local, glocal)]
        if progress is not None:
            progress(int(b - a))
    return out


def read_gctx(
    path: str | Path,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    *,
    progress: Advance | None = None,
) -> GctData:
    """GCTX (HDF5; ``0/DATA/0/matrix`` stored samples x genes): only the ``samples`` x ``genes`` cells are read."""
    path = Path(path)
    g = _Gctx(path)
    try:
        s_pos = _positions(samples, g.cols, path, "sample")
        r_pos = _positions(genes, g.rows, path, "gene")
        s_take = np.arange(len(g.cols)) if s_pos is None else s_pos
        r_take = np.arange(len(g.rows)) if r_pos is None else r_pos
        try:
            block = read_slabs(g.matrix, s_take, r_take, progress)
            row_meta = g.meta("0/META/ROW", len(g.rows), r_take)
            col_meta = g.meta("0/META/COL", len(g.cols), s_take)
        except InputError:
            raise
        except (OSError, KeyError, ValueError, TypeError) as exc:
            raise InputError(path, f"corrupt GCTX: {exc}") from None
        rows, cols = g.rows[r_take], g.cols[s_take]
    finally:
        g.close()
    row_meta.index = rows
    col_meta.index = cols
    data = pd.DataFrame(block.T, index=rows, columns=cols, copy=False)
    return GctData(data, row_meta, col_meta, str(path))


# --------------------------------------------------------------------------- metadata only
def _hdf5_meta(path: Path, axis: str) -> pd.DataFrame:
    g = _Gctx(path)
    try:
        ids = g.cols if axis == "COL" else g.rows
        meta = g.meta(f"0/META/{axis}", len(ids), None)
    finally:
        g.close()
    meta.index = ids
    return meta


def read_column_meta(path: str | Path) -> pd.DataFrame:
    """Sample ids (index) and the sample metadata stored in the file, without reading any value."""
    path = Path(path)
    if is_hdf5(path):
        return _hdf5_meta(path, "COL")
    h = _gct_header(path, _lines(path))
    return h.col_meta


def read_row_meta(path: str | Path) -> pd.DataFrame:
    """Gene (row) ids and row metadata; for GCT text this streams the file once, skipping values."""
    path = Path(path)
    if is_hdf5(path):
        return _hdf5_meta(path, "ROW")
    lines = _lines(path)
    h = _gct_header(path, lines)
    ids, meta = [], []
    for ln, _ in zip(lines, range(h.nrow)):
        parts = ln.split("\t", h.nrm + 1)
        ids.append(parts[0].strip())
        meta.append((parts[1:1 + h.nrm] + [""] * h.nrm)[:h.nrm])
    return pd.DataFrame(meta, index=pd.Index(ids, name="id"), columns=h.row_names, dtype=object)


def matrix_shape(path: str | Path) -> tuple[int, int]:
    """(genes, samples) from the file's header or HDF5 dataset, without reading values."""
    path = Path(path)
    if is_hdf5(path):
        g = _Gctx(path)
        g.close()
        return len(g.rows), len(g.cols)
    h = _gct_header(path, _lines(path))
    return h.nrow, h.ncol


def read_expression(
    path: str | Path,
    samples: Sequence[str] | None = None,
    genes: Sequence[str] | None = None,
    *,
    progress: Advance | None = None,
) -> GctData:
    """GCT or GCTX by content (HDF5 signature / "#1.") then by suffix - some ".gctx" files are text."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc}") from None
    if head.startswith(_HDF5_MAGIC):
        return read_gctx(path, samples, genes, progress=progress)
    if head.startswith(b"#1.") or head.startswith(b"\x1f\x8b"):
        return read_gct(path, samples, genes, progress=progress)
    suffix = path.suffix.lower()
    if suffix == ".gctx":
        return read_gctx(path, samples, genes, progress=progress)
    if suffix == ".gct" or path.name.lower().endswith(".gct.gz"):
        return read_gct(path, samples, genes, progress=progress)
    raise InputError(path, "unknown expression format: expected .gct (GCT 1.2/1.3) or .gctx (HDF5)")


# --------------------------------------------------------------------------- writers
# Used by the simulated demo data set (kgexpr.demo); deterministic output: the same input gives the
# same bytes (HDF5 without timestamps).


def write_gct(path: str | Path, row_ids: Sequence[str], row_meta: dict, col_ids: Sequence[str], col_meta: dict,
              values: np.ndarray) -> None:
    """GCT 1.3 text: ``values`` genes x samples written with 4 decimals, metadata as given (floats by repr,
    -666 as "-666"); ``row_meta`` / ``col_meta`` map a field name to one value per row / column."""
    path = Path(path)
    nr, nc = values.shape
    out = io.StringIO()
    out.write("#1.3\n")
    out.write(f"{nr}\t{nc}\t{len(row_meta)}\t{len(col_meta)}\n")
    out.write("\t".join(["id", *row_meta, *col_ids]) + "\n")
    filler = "\t".join(["na"] * len(row_meta))
    for name, vals in col_meta.items():
        out.write(f"{name}\t{filler}\t" + "\t".join(_fmt_meta(v) for v in vals) + "\n")
    meta_cols = list(row_meta.values())
    for i, rid in enumerate(row_ids):
        out.write("\t".join([rid, *(_fmt_meta(m[i]) for m in meta_cols)]) + "\t")
        out.write("\t".join(f"{v:.4f}" for v in values[i]) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(out.getvalue())


def _fmt_meta(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "-666" if v == -666 else repr(float(v))
    return str(v)


def _meta_array(vals: list) -> np.ndarray:
    """A GCTX metadata column: float64, int32, or ASCII bytes (as cmapPy writes them)."""
    if all(isinstance(v, (float, np.floating)) for v in vals):
        return np.asarray(vals, dtype=np.float64)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals):
        return np.asarray(vals, dtype=np.int32)
    return np.array([str(v).encode("ascii") for v in vals])


def write_gctx(path: str | Path, row_ids: Sequence[str], row_meta: dict, col_ids: Sequence[str], col_meta: dict,
               values: np.ndarray) -> None:
    """Official GCTX layout (cmapPy/cmapR): /0/DATA/0/matrix stored samples x genes (float32),
    /0/META/{ROW,COL}; ``values`` genes x samples as for :func:`write_gct`."""
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs["version"] = np.bytes_(b"GCTX1.0")
        mat = np.ascontiguousarray(values.T.astype(np.float32))  # samples x genes
        f.create_dataset(MATRIX, data=mat, chunks=(min(mat.shape[0], 256), mat.shape[1]), track_times=False)
        for group, ids, meta in (("ROW", row_ids, row_meta), ("COL", col_ids, col_meta)):
            for name, vals in {"id": ids, **meta}.items():
                f.create_dataset(f"0/META/{group}/{name}", data=_meta_array(list(vals)), compression="gzip",
                                 compression_opts=6, track_times=False)
